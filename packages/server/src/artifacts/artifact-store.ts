/**
 * Job artifacts on disk under `<root>/<pipeline>/<counter>/<stage>/<stageCounter>/<job>/<path>`.
 * Uploads stream through a hash into a temp file beside the target and are renamed into place only when
 * complete and verified, so readers never see a partial file and memory stays flat for any size.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { ErrorCode, FawkesError, type JobLocator } from "@fawkes/protocol";
import { BodyWriter } from "./body-writer.ts";
import { jobDirectory } from "./job-dir.ts";
import { KeyedQueue } from "./keyed-queue.ts";
import { MANIFEST_NAME, appendManifest, readManifest, type ArtifactFile } from "./manifest.ts";
import { safePath } from "./safe-path.ts";

export interface ArtifactStoreOptions {
  /** Directory holding all artifacts (`<dataDir>/artifacts`). */
  root: string;
  /** Largest accepted file; a bigger upload fails with FAWKES_PAYLOAD_TOO_LARGE. @default 10 GiB */
  maxFileBytes?: number;
}

const DEFAULT_MAX_FILE_BYTES = 10 * 1024 ** 3;
/** Uploads in progress are written to `<dir>/.tmp-<16 hex>` beside their target. */
const TEMP_PREFIX = ".tmp-";
const TEMP_NAME = /^\.tmp-[0-9a-f]{16}$/;
/** `<pipeline>/<counter>/<stage>/<stageCounter>/<job>` below the root. */
const JOB_DIR_DEPTH = 5;

/** Renaming onto a directory, or creating a directory where a file is. */
const isPathConflict = (error: unknown): boolean =>
  ["EISDIR", "ENOTDIR", "EEXIST", "ENOTEMPTY"].includes((error as NodeJS.ErrnoException).code ?? "");

export class ArtifactStore {
  readonly #root: string;
  readonly #maxFileBytes: number;
  /** Serialises rename + manifest append (and removal) per job directory. */
  readonly #jobQueue = new KeyedQueue();

  constructor(options: ArtifactStoreOptions) {
    this.#root = options.root;
    this.#maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  /**
   * Streams `body` into the artifact at `relPath`, replacing any previous file there. When
   * `expectedSha256` is given and differs, nothing is kept and FAWKES_CHECKSUM_MISMATCH is thrown.
   * Concurrent writes to one path each complete; the last to finish wins, whole.
   */
  async write(
    locator: JobLocator,
    relPath: string,
    body: Readable,
    expectedSha256: string | null,
  ): Promise<ArtifactFile> {
    const { jobDir, target, path } = this.#resolve(locator, relPath);
    const conflict = (cause: unknown) =>
      new FawkesError(
        ErrorCode.artifactPathConflict,
        `artifact ${path}: the path is a directory of this job's artifacts or lies under one of its files`,
        { cause },
      );
    await mkdir(dirname(target), { recursive: true, mode: 0o700 }).catch((error: unknown) => {
      throw isPathConflict(error) ? conflict(error) : error;
    });
    const temp = join(dirname(target), `${TEMP_PREFIX}${randomBytes(8).toString("hex")}`);
    const handle = await open(temp, "wx", 0o600);
    let closed = false;
    try {
      const { size, sha256 } = await this.#copyHashed(body, handle, relPath);
      await handle.sync();
      await handle.close();
      closed = true;
      if (expectedSha256 !== null && expectedSha256.toLowerCase() !== sha256) {
        throw new FawkesError(
          ErrorCode.checksumMismatch,
          `artifact ${path}: sha256 is ${sha256}, the uploader announced ${expectedSha256}`,
        );
      }
      const file = { path, size, sha256 };
      await this.#jobQueue.run(jobDir, async () => {
        await rename(temp, target).catch((error: unknown) => {
          throw isPathConflict(error) ? conflict(error) : error;
        });
        await appendManifest(jobDir, file);
      });
      return file;
    } catch (error) {
      if (!closed) await handle.close().catch(() => {});
      await rm(temp, { force: true });
      throw error;
    }
  }

  /**
   * Deletes the temp files that uploads cut short by a killed server left behind, and returns how many. Only
   * files last written before `startedAt` (this server's start) go: a live upload's temp file is younger, so
   * the sweep can run in the background while uploads arrive. An artifact that merely looks like a temp file
   * is kept: it is in its job's manifest.
   */
  async sweepTempFiles(startedAt: number): Promise<number> {
    let swept = 0;
    type Job = { dir: string; manifest: Set<string> };
    const sweep = async (dir: string, depth: number, job: Job | null): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (["ENOENT", "ENOTDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) return;
        throw error;
      }
      if (depth === JOB_DIR_DEPTH) job = { dir, manifest: new Set((await readManifest(dir)).keys()) };
      for (const entry of entries) {
        const file = join(dir, entry.name);
        if (entry.isDirectory()) await sweep(file, depth + 1, job);
        else if (entry.isFile() && TEMP_NAME.test(entry.name) && job !== null) {
          if (job.manifest.has(relative(job.dir, file).split(sep).join("/"))) continue;
          const stats = await stat(file).catch(() => null);
          if (!stats || stats.mtimeMs >= startedAt) continue;
          await rm(file, { force: true });
          swept += 1;
        }
      }
    };
    await sweep(this.#root, 0, null);
    return swept;
  }

  /** Size and checksum of one artifact, or null when there is none at that path. */
  async stat(locator: JobLocator, relPath: string): Promise<ArtifactFile | null> {
    const { jobDir, path } = this.#resolve(locator, relPath);
    return (await readManifest(jobDir)).get(path) ?? null;
  }

  /** Opens one artifact for reading; FAWKES_ARTIFACT_NOT_FOUND (404) when it does not exist. */
  async createReadStream(locator: JobLocator, relPath: string): Promise<Readable> {
    const { target, path } = this.#resolve(locator, relPath);
    const notFound = (cause?: unknown) =>
      new FawkesError(ErrorCode.artifactNotFound, `no artifact ${path}`, { cause });
    let handle: FileHandle;
    try {
      handle = await open(target, "r");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") throw notFound(error);
      throw error;
    }
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw notFound();
    }
    return handle.createReadStream();
  }

  /**
   * Artifacts whose path is `prefix` or lies under the directory `prefix`, sorted by path; every one when
   * `prefix` is empty.
   */
  async list(locator: JobLocator, prefix = ""): Promise<ArtifactFile[]> {
    const jobDir = jobDirectory(this.#root, locator);
    const directory = prefix.replace(/\/+$/, "");
    const files = [...(await readManifest(jobDir)).values()].filter(
      (file) => directory === "" || file.path === directory || file.path.startsWith(directory + "/"),
    );
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Deletes every artifact of the job. */
  async remove(locator: JobLocator): Promise<void> {
    const jobDir = jobDirectory(this.#root, locator);
    await this.#jobQueue.run(jobDir, () => rm(jobDir, { recursive: true, force: true }));
  }

  #resolve(locator: JobLocator, relPath: string): { jobDir: string; target: string; path: string } {
    const jobDir = jobDirectory(this.#root, locator);
    const target = safePath(jobDir, relPath);
    const path = relative(jobDir, target).split(sep).join("/");
    if (path === MANIFEST_NAME) {
      throw new FawkesError(ErrorCode.badRequest, `${MANIFEST_NAME} is reserved and cannot be an artifact`);
    }
    return { jobDir, target, path };
  }

  async #copyHashed(
    body: Readable,
    handle: FileHandle,
    relPath: string,
  ): Promise<{ size: number; sha256: string }> {
    const hash = createHash("sha256");
    const writer = new BodyWriter(handle);
    let size = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer | string>) {
        const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        size += bytes.length;
        if (size > this.#maxFileBytes) {
          throw new FawkesError(
            ErrorCode.payloadTooLarge,
            `artifact ${relPath} exceeds the limit of ${this.#maxFileBytes} bytes`,
          );
        }
        hash.update(bytes);
        writer.push(bytes);
        await writer.ready();
      }
      await writer.end();
    } catch (error) {
      // The caller closes the file: no write may still be using it then.
      await writer.settle();
      throw error;
    }
    return { size, sha256: hash.digest("hex") };
  }
}
