/**
 * Publishes a job's GoCD `external` artifacts at job end: the files each `Source` glob matches (same rules as
 * build artifacts, so `Destination` prefixes their paths) are streamed to the server, which stores them in
 * the artifact store's bucket. A Source that matches nothing fails the job, as for build artifacts.
 */
import { encodePath } from "../server-client.ts";
import { collectUploads, putFile } from "./artifact-upload.ts";
import type { TaskContext } from "./task-context.ts";

export async function uploadExternalArtifacts(ctx: TaskContext): Promise<void> {
  for (const spec of ctx.job.externalArtifacts ?? []) {
    const uploads = await collectUploads(ctx.workspace, { type: "build", ...spec });
    for (const upload of uploads) {
      const sub = `external-artifacts/${encodeURIComponent(spec.id)}/${encodePath(upload.artifactPath)}`;
      await putFile(ctx, sub, upload);
    }
    ctx.console.line(
      `Published ${uploads.length} file(s) from '${spec.source}' as external artifact '${spec.id}'`,
    );
  }
}
