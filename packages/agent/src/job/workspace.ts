import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { JobAssignment } from "@fawkes/protocol";
import type { ConsoleStream } from "./console-stream.ts";
import { checkoutMaterial, displayUrl } from "./git-checkout.ts";
import { resolveInside } from "./paths.ts";

/**
 * Prepares `<workDir>/pipelines/<pipeline>` (wiped first when cleanWorkspace) and checks out every
 * material at its exact revision. Returns the workspace, or throws with a message fit for the console.
 */
export async function prepareWorkspace(
  workDir: string,
  job: JobAssignment,
  console: ConsoleStream,
): Promise<string> {
  const workspace = resolveInside(join(workDir, "pipelines"), job.locator.pipeline, "pipeline workspace");
  if (job.cleanWorkspace) {
    console.line(`Cleaning workspace ${workspace}`);
    await rm(workspace, { recursive: true, force: true });
  }
  await mkdir(workspace, { recursive: true });
  if (!job.fetchMaterials) return workspace;
  for (const material of job.materials) {
    const started = Date.now();
    const where = material.destination === "" ? "." : material.destination;
    console.line(
      `Material ${material.name}: ${displayUrl(material.url)} at ${material.revision} into '${where}'`,
    );
    await checkoutMaterial(workDir, workspace, material);
    console.line(`Material ${material.name} checked out in ${Date.now() - started} ms`);
  }
  return workspace;
}
