import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import type { IncomingMessage } from "node:http";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, posix } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ErrorCode, FawkesError } from "@fawkes/protocol/constants";
import type { ArtifactFile, FetchTask } from "@fawkes/protocol";
import { isLeaseLost } from "../server-client.ts";
import { resolveInside } from "./paths.ts";
import type { TaskContext, TaskOutcome } from "./task-context.ts";

/**
 * GoCD's fetch artifact: a file lands in the destination directory under its own name; a directory
 * `a/b` lands as `<destination>/b/...`. Every file is streamed to disk and checked against the manifest's
 * SHA-256; a mismatch fails the task and leaves no partial file.
 */
export async function runFetchTask(
  task: FetchTask,
  ctx: TaskContext,
  killSignal: AbortSignal,
): Promise<TaskOutcome> {
  const from = task.from;
  const locator = `${from.pipeline}/${from.counter}/${from.stage}/${from.stageCounter}/${from.job}`;
  ctx.console.line(
    `Fetching ${task.isFile ? "file" : "directory"} ${task.source} from ${locator} into '${task.destination}'`,
  );
  try {
    const destination = resolveInside(ctx.workspace, task.destination, "fetch destination");
    const source = posix.normalize(task.source).replace(/^\/+|\/+$/g, "");
    const manifest = await ctx.client.artifactManifest(ctx.job.leaseId, from, source, killSignal);
    const files = manifest.files.filter((file) =>
      task.isFile
        ? file.path === source
        : file.path === source || file.path.startsWith(`${source}/`) || source === ".",
    );
    if (files.length === 0)
      throw new FawkesError(ErrorCode.artifactNotFound, `no artifact '${task.source}' in ${locator}`);
    const parent = posix.dirname(source);
    for (const file of files) {
      const relativePath = parent === "." ? file.path : file.path.slice(parent.length + 1);
      const target = resolveInside(destination, relativePath, "artifact path");
      const open = () => ctx.client.artifactFile(ctx.job.leaseId, task.from, file.path, killSignal);
      await downloadFile(open, file, target, killSignal);
    }
    ctx.console.line(`Fetched ${files.length} file(s)`);
    return "passed";
  } catch (error) {
    if (ctx.abortSignal.aborted || isLeaseLost(error)) return "aborted";
    if (killSignal.aborted) return "cancelled";
    ctx.console.line(`Fetch failed: ${(error as Error).message}`);
    return "failed";
  }
}

/** How many times a file whose transfer was cut (the server restarted, a connection reset) is fetched again. */
const TRANSFER_ATTEMPTS = 5;

/**
 * Streams one file to `target` through a temp file, checking its SHA-256; a mismatch leaves nothing. A transfer
 * cut midway is started again from the beginning (`open` itself waits out an unreachable server), up to
 * {@link TRANSFER_ATTEMPTS} times: a server restart while a job fetches must not fail the job.
 */
export async function downloadFile(
  open: () => Promise<IncomingMessage>,
  file: ArtifactFile,
  target: string,
  signal: AbortSignal,
): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  for (let attempt = 1; ; attempt++) {
    try {
      return await downloadOnce(open, file, target, signal);
    } catch (error) {
      if (signal.aborted || error instanceof FawkesError || attempt >= TRANSFER_ATTEMPTS) throw error;
    }
  }
}

async function downloadOnce(
  open: () => Promise<IncomingMessage>,
  file: ArtifactFile,
  target: string,
  signal: AbortSignal,
): Promise<void> {
  const partial = `${target}.fawkes-partial`;
  const hash = createHash("sha256");
  const hasher = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    const body = await open();
    await pipeline(body, hasher, createWriteStream(partial), { signal });
    const actual = hash.digest("hex");
    if (actual !== file.sha256) {
      throw new FawkesError(
        ErrorCode.checksumMismatch,
        `checksum mismatch for ${file.path}: expected ${file.sha256}, got ${actual}`,
      );
    }
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
}
