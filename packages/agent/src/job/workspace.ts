import { randomUUID } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { JobAssignment } from "@fawkes/protocol";
import type { ConsoleStream } from "./console-stream.ts";
import { checkoutMaterial, displayUrl } from "./git-checkout.ts";
import { resolveInside } from "./paths.ts";

/**
 * Prepares `<workDir>/pipelines/<pipeline>` (wiped first when cleanWorkspace) and checks out every
 * material at its exact revision; a material with credentials gets `credentialHelper` in its `.git/config`. Returns the workspace, or throws with a message fit for the console.
 */
export async function prepareWorkspace(
  workDir: string,
  job: JobAssignment,
  console: ConsoleStream,
  credentialHelper?: string,
): Promise<string> {
  const workspace = resolveInside(join(workDir, "pipelines"), job.locator.pipeline, "pipeline workspace");
  if (job.cleanWorkspace) {
    console.line(`Cleaning workspace ${workspace}`);
    await discard(workDir, workspace);
  }
  await mkdir(workspace, { recursive: true });
  if (!job.fetchMaterials) return workspace;
  for (const material of job.materials) {
    const started = Date.now();
    const where = material.destination === "" ? "." : material.destination;
    console.line(
      `Material ${material.name}: ${displayUrl(material.url)} at ${material.revision} into '${where}'`,
    );
    await checkoutMaterial(workDir, workspace, material, credentialHelper);
    console.line(`Material ${material.name} checked out in ${Date.now() - started} ms`);
  }
  return workspace;
}

/**
 * Moves an old workspace aside (one rename) and deletes it in the background, so a job does not wait for
 * its predecessor's files to be removed.
 */
async function discard(workDir: string, workspace: string): Promise<void> {
  const trash = join(workDir, "trash");
  await mkdir(trash, { recursive: true });
  const aside = join(trash, randomUUID());
  try {
    await rename(workspace, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    await rm(workspace, { recursive: true, force: true });
    return;
  }
  void rm(aside, { recursive: true, force: true }).catch(() => undefined);
}
