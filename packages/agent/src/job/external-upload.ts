/**
 * Publishes a job's GoCD `external` artifacts at job end: the files each `Source` glob matches (same rules as
 * build artifacts, so `Destination` prefixes their paths) are streamed to the server, which stores them in
 * the artifact store's bucket. A Source that matches nothing fails the job, as for build artifacts.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { AgentHeader } from "@fawkes/protocol/constants";
import { encodePath } from "../server-client.ts";
import { collectUploads } from "./artifact-upload.ts";
import type { TaskContext } from "./task-context.ts";

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

export async function uploadExternalArtifacts(ctx: TaskContext): Promise<void> {
  for (const spec of ctx.job.externalArtifacts ?? []) {
    const uploads = await collectUploads(ctx.workspace, { type: "build", ...spec });
    for (const upload of uploads) {
      const sha256 = await sha256Of(upload.file);
      const sub = `external-artifacts/${encodeURIComponent(spec.id)}/${encodePath(upload.artifactPath)}`;
      const response = await ctx.client.jobCall(ctx.job, sub, {
        method: "PUT",
        headers: {
          [AgentHeader.sha256]: sha256,
          "content-type": "application/octet-stream",
          "content-length": String(upload.size),
        },
        body: () => createReadStream(upload.file),
        idleTimeoutMs: 60_000,
        signal: ctx.abortSignal,
      });
      response.resume();
    }
    ctx.console.line(
      `Published ${uploads.length} file(s) from '${spec.source}' as external artifact '${spec.id}'`,
    );
  }
}
