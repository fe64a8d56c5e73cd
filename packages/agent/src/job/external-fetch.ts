/**
 * GoCD `fetch` with `artifact_origin: external`: the files of an upstream job's external artifact, read from
 * its artifact store through the server (the agent has no AWS code), each checked against its SHA-256 and
 * written under the destination at its path inside the artifact (never outside the destination).
 */
import { ErrorCode, FawkesError } from "@fawkes/protocol/constants";
import type { FetchTask } from "@fawkes/protocol";
import { isLeaseLost } from "../server-client.ts";
import { downloadFile } from "./fetch-task.ts";
import { resolveInside } from "./paths.ts";
import type { TaskContext, TaskOutcome } from "./task-context.ts";

export async function runExternalFetch(
  task: FetchTask,
  ctx: TaskContext,
  killSignal: AbortSignal,
): Promise<TaskOutcome> {
  const artifactId = task.external?.artifactId ?? task.source;
  const from = task.from;
  const locator = `${from.pipeline}/${from.counter}/${from.stage}/${from.stageCounter}/${from.job}`;
  ctx.console.line(`Fetching external artifact '${artifactId}' from ${locator} into '${task.destination}'`);
  try {
    const destination = resolveInside(ctx.workspace, task.destination, "fetch destination");
    const manifest = await ctx.client.externalArtifactManifest(ctx.job.leaseId, from, artifactId, killSignal);
    if (manifest.files.length === 0)
      throw new FawkesError(ErrorCode.artifactNotFound, `no external artifact '${artifactId}' in ${locator}`);
    for (const file of manifest.files) {
      const target = resolveInside(destination, file.path, "artifact path");
      const open = () =>
        ctx.client.externalArtifactFile(ctx.job.leaseId, from, artifactId, file.path, killSignal);
      await downloadFile(open, file, target, killSignal);
    }
    ctx.console.line(`Fetched ${manifest.files.length} file(s) of external artifact '${artifactId}'`);
    return "passed";
  } catch (error) {
    if (ctx.abortSignal.aborted || isLeaseLost(error)) return "aborted";
    if (killSignal.aborted) return "cancelled";
    ctx.console.line(`Fetch of external artifact '${artifactId}' failed: ${(error as Error).message}`);
    return "failed";
  }
}
