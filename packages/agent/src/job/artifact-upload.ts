import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { glob, readdir, stat } from "node:fs/promises";
import { join, posix, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { AgentHeader, ErrorCode, FawkesError } from "@fawkes/protocol/constants";
import type { ArtifactSpec } from "@fawkes/protocol";
import { encodePath } from "../server-client.ts";
import { resolveInside } from "./paths.ts";
import type { TaskContext } from "./task-context.ts";

/** A file to upload and its path inside the job's artifacts. */
interface Upload {
  file: string;
  artifactPath: string;
  size: number;
}

const toPosix = (path: string): string => path.split(sep).join("/");

/**
 * GoCD's artifact rules: a matched directory uploads as `<destination>/<its name>/...`; a matched file
 * uploads as `<destination>/<path below the glob's literal prefix>` (so `*.tgz` lands in the destination
 * itself). A rule that matches nothing fails the job, as in GoCD.
 */
export async function collectUploads(workspace: string, spec: ArtifactSpec): Promise<Upload[]> {
  const pattern = posix.normalize(spec.source.replace(/\\/g, "/")).replace(/\/+$/, "");
  const destination = posix.normalize(spec.destination || ".").replace(/^\.$/, "");
  const segments = pattern.split("/");
  const firstWildcard = segments.findIndex((segment) => /[*?[\]{}]/.test(segment));
  const literalPrefix =
    firstWildcard === -1 ? posix.dirname(pattern) : segments.slice(0, firstWildcard).join("/") || ".";
  const uploads: Upload[] = [];
  const matches = [pattern];
  if (firstWildcard !== -1) {
    matches.length = 0;
    for await (const match of glob(pattern, { cwd: workspace })) matches.push(match);
  }
  for (const match of matches.sort()) {
    const absolute = resolveInside(workspace, match, "artifact source");
    let info;
    try {
      info = await stat(absolute);
    } catch {
      continue;
    }
    const below = posix.relative(literalPrefix, toPosix(match));
    if (info.isFile()) {
      uploads.push({ file: absolute, artifactPath: posix.join(destination, below), size: info.size });
    } else if (info.isDirectory()) {
      for (const entry of await readdir(absolute, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const file = join(entry.parentPath, entry.name);
        const inner = toPosix(relative(absolute, file));
        uploads.push({
          file,
          artifactPath: posix.join(destination, below, inner),
          size: (await stat(file)).size,
        });
      }
    }
  }
  if (uploads.length === 0) {
    throw new FawkesError(
      ErrorCode.artifactNotFound,
      `artifact source '${spec.source}' matched no file in the workspace`,
    );
  }
  for (const upload of uploads) {
    if (upload.artifactPath.startsWith("../") || upload.artifactPath === "..") {
      throw new FawkesError(
        ErrorCode.pathEscape,
        `artifact path '${upload.artifactPath}' escapes the job's artifacts`,
      );
    }
  }
  return uploads;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

/**
 * PUTs one file to the job's `sub` path with its SHA-256, streaming it twice (hash, then body): memory stays
 * flat for any size.
 */
export async function putFile(ctx: TaskContext, sub: string, upload: Upload): Promise<void> {
  const sha256 = await sha256Of(upload.file);
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

/** Uploads every artifact of the job. */
export async function uploadArtifacts(ctx: TaskContext): Promise<void> {
  for (const spec of ctx.job.artifacts) {
    const uploads = await collectUploads(ctx.workspace, spec);
    for (const upload of uploads) await putFile(ctx, `artifacts/${encodePath(upload.artifactPath)}`, upload);
    ctx.console.line(
      `Uploaded ${uploads.length} artifact file(s) from '${spec.source}' to '${spec.destination}'`,
    );
  }
}
