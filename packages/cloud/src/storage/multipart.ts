import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { s3Errors } from "../aws-error.ts";
import { checksumOf, createChecksummer, type ChecksumAlgorithm } from "../checksums/checksum.ts";
import { syncDirectory, type Bucket } from "./bucket.ts";
import type { ObjectMeta, ObjectRecord, StoredChecksum } from "./object-record.ts";

/** A multipart upload in progress: `uploads/<uploadId>/upload.json`. */
export interface UploadInfo {
  uploadId: string;
  key: string;
  initiated: number;
  meta: ObjectMeta;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: "COMPOSITE" | "FULL_OBJECT";
}

/** One uploaded part: data in `<n>-<id>.part`, described by `<n>.json`, which is replaced atomically. */
export interface PartInfo {
  partNumber: number;
  file: string;
  size: number;
  etag: string;
  lastModified: number;
  checksum?: string;
}

const UPLOAD_ID = /^[A-Za-z0-9_-]{32}$/;

function uploadDir(bucket: Bucket, uploadId: string): string {
  if (!UPLOAD_ID.test(uploadId)) throw s3Errors.noSuchUpload(uploadId);
  return join(bucket.uploadsDir, uploadId);
}

async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  const temp = `${path}.${randomUUID()}.tmp`;
  await writeFile(temp, JSON.stringify(value), { flush: true, mode: 0o600 });
  await rename(temp, path);
}

export async function createUpload(bucket: Bucket, info: Omit<UploadInfo, "uploadId">): Promise<UploadInfo> {
  const uploadId = randomBytes(24).toString("base64url");
  const dir = uploadDir(bucket, uploadId);
  await mkdir(dir, 0o700);
  const upload = { ...info, uploadId };
  await writeJsonAtomically(join(dir, "upload.json"), upload);
  return upload;
}

export async function getUpload(bucket: Bucket, uploadId: string, key?: string): Promise<UploadInfo> {
  try {
    const upload = JSON.parse(
      await readFile(join(uploadDir(bucket, uploadId), "upload.json"), "utf8"),
    ) as UploadInfo;
    if (key !== undefined && upload.key !== key) throw s3Errors.noSuchUpload(uploadId);
    return upload;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw s3Errors.noSuchUpload(uploadId);
    throw error;
  }
}

export function partPath(bucket: Bucket, uploadId: string, file: string): string {
  return join(uploadDir(bucket, uploadId), file);
}

/** Moves a fully written, fsynced temp file in as part `partNumber`, replacing any earlier upload of it. */
export async function commitPart(
  bucket: Bucket,
  uploadId: string,
  tempPath: string,
  part: Omit<PartInfo, "file">,
): Promise<PartInfo> {
  const dir = uploadDir(bucket, uploadId);
  const file = `${part.partNumber}-${randomUUID()}.part`;
  const full: PartInfo = { ...part, file };
  let previous: PartInfo | undefined;
  try {
    previous = JSON.parse(await readFile(join(dir, `${part.partNumber}.json`), "utf8")) as PartInfo;
  } catch {
    previous = undefined;
  }
  try {
    await rename(tempPath, join(dir, file));
  } catch (error) {
    await rm(tempPath, { force: true });
    // The upload was completed or aborted while this part streamed in.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw s3Errors.noSuchUpload(uploadId);
    throw error;
  }
  await writeJsonAtomically(join(dir, `${part.partNumber}.json`), full);
  await syncDirectory(dir);
  if (previous && previous.file !== file) await rm(join(dir, previous.file), { force: true });
  return full;
}

export async function listParts(bucket: Bucket, uploadId: string): Promise<PartInfo[]> {
  const dir = uploadDir(bucket, uploadId);
  const parts: PartInfo[] = [];
  for (const name of await readdir(dir)) {
    if (!/^\d+\.json$/.test(name)) continue;
    try {
      parts.push(JSON.parse(await readFile(join(dir, name), "utf8")) as PartInfo);
    } catch {
      // Being replaced right now; the listing reflects either version or none.
    }
  }
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}

export async function removeUpload(bucket: Bucket, uploadId: string): Promise<void> {
  const dir = uploadDir(bucket, uploadId);
  const trash = join(bucket.dir, "tmp", `upload-${randomUUID()}`);
  try {
    await rename(dir, trash);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw s3Errors.noSuchUpload(uploadId);
    throw error;
  }
  await rm(trash, { recursive: true, force: true });
}

export async function listUploads(bucket: Bucket): Promise<UploadInfo[]> {
  const uploads: UploadInfo[] = [];
  for (const id of await readdir(bucket.uploadsDir)) {
    try {
      uploads.push(await getUpload(bucket, id));
    } catch {
      // Removed concurrently, or not an upload directory.
    }
  }
  return uploads.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated - b.initiated));
}

const unquote = (etag: string) => etag.trim().replace(/^"|"$/g, "");

/** S3's multipart ETag: MD5 of the concatenated binary part MD5s, then `-N`. */
export function multipartEtag(parts: readonly PartInfo[]): string {
  const md5s = Buffer.concat(parts.map((p) => Buffer.from(unquote(p.etag), "hex")));
  return `"${createHash("md5").update(md5s).digest("hex")}-${parts.length}"`;
}

/**
 * Makes the chosen parts the object, without copying them: the claimed upload directory (its part files already
 * fsynced) becomes the object's data directory and the record lists the parts in order as its extents. The
 * upload is claimed first (renamed away), so a concurrent UploadPart, Complete or Abort sees NoSuchUpload; on
 * failure it is put back.
 */
export async function completeUpload(
  bucket: Bucket,
  upload: UploadInfo,
  chosen: PartInfo[],
): Promise<ObjectRecord> {
  const { uploadId } = upload;
  const claimed = join(bucket.dir, "tmp", `complete-${randomUUID()}`);
  try {
    await rename(uploadDir(bucket, uploadId), claimed);
  } catch {
    throw s3Errors.noSuchUpload(uploadId);
  }
  const algorithm = upload.checksumAlgorithm;
  let checksum: StoredChecksum | undefined;
  let record: ObjectRecord;
  try {
    if (algorithm && upload.checksumType === "FULL_OBJECT") {
      const summer = createChecksummer(algorithm);
      for (const part of chosen)
        for await (const chunk of createReadStream(join(claimed, part.file), { highWaterMark: 1024 * 1024 }))
          summer.update(chunk as Buffer);
      checksum = { algorithm, value: summer.digest().toString("base64"), type: "FULL_OBJECT" };
    } else if (algorithm && chosen.every((p) => p.checksum)) {
      const joined = Buffer.concat(chosen.map((p) => Buffer.from(p.checksum!, "base64")));
      checksum = { algorithm, value: `${checksumOf(algorithm, joined)}-${chosen.length}`, type: "COMPOSITE" };
    }
    record = await bucket.commit(claimed, {
      key: upload.key,
      size: chosen.reduce((sum, p) => sum + p.size, 0),
      etag: multipartEtag(chosen),
      lastModified: Date.now(),
      ...upload.meta,
      ...(checksum ? { checksum } : {}),
      extents: chosen.map((p) => ({ file: p.file, size: p.size })),
    });
  } catch (error) {
    await rename(claimed, uploadDir(bucket, uploadId)).catch(() => undefined);
    throw error;
  }
  // The upload's descriptions and unchosen parts are not part of the object (its extents name what is).
  const keep = new Set(chosen.map((p) => p.file));
  const dir = bucket.dataPath(record.file);
  for (const name of await readdir(dir).catch(() => [])) {
    if (!keep.has(name)) await rm(join(dir, name), { force: true });
  }
  return record;
}
