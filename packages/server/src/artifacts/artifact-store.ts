/**
 * Job artifacts on disk under `<root>/<pipeline>/<counter>/<stage>/<stageCounter>/<job>/<path>`.
 * Uploads stream through a hash into a temp file beside the target and are renamed into place only when
 * complete and verified, so readers never see a partial file and memory stays flat for any size.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, rename, rm, type FileHandle } from "node:fs/promises";
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
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.tmp-${randomBytes(8).toString("hex")}`);
    const handle = await open(temp, "wx");
    let closed = false;
    try {
      const { size, sha256 } = await this.#copyHashed(body, handle, relPath);
      await handle.sync();
      await handle.close();
      closed = true;
      if (expectedSha256 !== null && expectedSha256.toLowerCase() !== sha256) {
        throw new FawkesError(
          ErrorCode.checksumMismatch,
          400,
          `artifact ${path}: sha256 is ${sha256}, the uploader announced ${expectedSha256}`,
        );
      }
      const file = { path, size, sha256 };
      await this.#jobQueue.run(jobDir, async () => {
        await rename(temp, target);
        await appendManifest(jobDir, file);
      });
      return file;
    } catch (error) {
      if (!closed) await handle.close().catch(() => {});
      await rm(temp, { force: true });
      throw error;
    }
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
      new FawkesError(ErrorCode.artifactNotFound, 404, `no artifact ${path}`, { cause });
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
      throw new FawkesError(
        ErrorCode.badRequest,
        400,
        `${MANIFEST_NAME} is reserved and cannot be an artifact`,
      );
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
            413,
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
