import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { AwsError } from "../../aws-error.ts";
import { checksumOf, createChecksummer, isChecksumAlgorithm } from "../../checksums/checksum.ts";
import { ingest } from "../../storage/ingest.ts";
import { commitPart, createUpload, getUpload, listParts, type PartInfo } from "../../storage/multipart.ts";
import type { StoredChecksum } from "../../storage/object-record.ts";
import { body, param, readSmallBody, requestHeader, sendEmpty, sendXml, type S3Context } from "../context.ts";
import { checkKey, MAX_PUT_SIZE, objectMetaFromHeaders, uploadChecks } from "../upload-headers.ts";
import { child, children, parseXml, s3Document, text } from "../xml.ts";

export const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;

export async function createMultipartUpload(ctx: S3Context, bucketName: string, key: string): Promise<void> {
  checkKey(key);
  const bucket = await ctx.storage.bucket(bucketName);
  const algorithm = requestHeader(ctx, "x-amz-checksum-algorithm")?.toLowerCase();
  if (algorithm !== undefined && !isChecksumAlgorithm(algorithm))
    throw new AwsError("InvalidRequest", 400, "Checksum algorithm provided is unsupported.");
  const type = requestHeader(ctx, "x-amz-checksum-type")?.toUpperCase();
  if (type !== undefined && type !== "COMPOSITE" && type !== "FULL_OBJECT")
    throw new AwsError("InvalidRequest", 400, "Value for x-amz-checksum-type header is invalid.");
  const upload = await createUpload(bucket, {
    key,
    initiated: Date.now(),
    meta: objectMetaFromHeaders(ctx),
    ...(algorithm ? { checksumAlgorithm: algorithm } : {}),
    ...(type === "COMPOSITE" || type === "FULL_OBJECT" ? { checksumType: type } : {}),
  });
  const headers: Record<string, string> = algorithm
    ? { "x-amz-checksum-algorithm": algorithm.toUpperCase(), "x-amz-checksum-type": type ?? "COMPOSITE" }
    : {};
  sendXml(
    ctx,
    200,
    s3Document(
      "InitiateMultipartUploadResult",
      text("Bucket", bucketName),
      text("Key", key),
      text("UploadId", upload.uploadId),
    ),
    headers,
  );
}

export function parsePartNumber(raw: string | undefined): number {
  const n = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || n < 1 || n > MAX_PART_NUMBER)
    throw new AwsError(
      "InvalidArgument",
      400,
      "Part number must be an integer between 1 and 10000, inclusive",
      {
        ArgumentName: "partNumber",
        ArgumentValue: raw ?? "",
      },
    );
  return n;
}

export async function uploadPart(ctx: S3Context, bucketName: string, key: string): Promise<void> {
  const partNumber = parsePartNumber(param(ctx, "partNumber"));
  const bucket = await ctx.storage.bucket(bucketName);
  const uploadId = param(ctx, "uploadId")!;
  const upload = await getUpload(bucket, uploadId, key);
  const checks = uploadChecks(ctx, upload.checksumAlgorithm);
  const declared = Number(
    requestHeader(ctx, "x-amz-decoded-content-length") ?? requestHeader(ctx, "content-length") ?? 0,
  );
  if (declared > MAX_PUT_SIZE)
    throw new AwsError("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size");
  const temp = bucket.tempPath();
  const ingested = await ingest(body(ctx), temp, checks.expectations);
  const algorithm = upload.checksumAlgorithm ?? checks.algorithm;
  const checksum = algorithm ? ingested.checksums[algorithm] : undefined;
  const part = await commitPart(bucket, uploadId, temp, {
    partNumber,
    size: ingested.size,
    etag: `"${ingested.md5.toString("hex")}"`,
    lastModified: Date.now(),
    ...(checksum ? { checksum } : {}),
  });
  sendEmpty(ctx, 200, {
    etag: part.etag,
    ...(algorithm && checksum ? { [`x-amz-checksum-${algorithm}`]: checksum } : {}),
  });
}

const unquote = (etag: string) => etag.trim().replace(/^"|"$/g, "");

export async function completeMultipartUpload(
  ctx: S3Context,
  bucketName: string,
  key: string,
): Promise<void> {
  const bucket = await ctx.storage.bucket(bucketName);
  const uploadId = param(ctx, "uploadId")!;
  const upload = await getUpload(bucket, uploadId, key);
  const root = parseXml(await readSmallBody(ctx));
  const requested = children(root, "Part").map((p) => ({
    partNumber: Number(child(p, "PartNumber")?.text.trim()),
    etag: unquote(child(p, "ETag")?.text ?? ""),
  }));
  if (
    root.name !== "CompleteMultipartUpload" ||
    requested.length === 0 ||
    requested.some((p) => !Number.isInteger(p.partNumber))
  )
    throw new AwsError(
      "MalformedXML",
      400,
      "The XML you provided was not well-formed or did not validate against our published schema",
    );
  const stored = new Map((await listParts(bucket, uploadId)).map((p) => [p.partNumber, p]));
  const chosen: PartInfo[] = [];
  for (const [i, want] of requested.entries()) {
    if (i > 0 && want.partNumber <= requested[i - 1]!.partNumber)
      throw new AwsError(
        "InvalidPartOrder",
        400,
        "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
        { UploadId: uploadId },
      );
    const part = stored.get(want.partNumber);
    if (!part || unquote(part.etag) !== want.etag)
      throw new AwsError(
        "InvalidPart",
        400,
        "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part's entity tag.",
        { UploadId: uploadId, PartNumber: String(want.partNumber), ETag: want.etag },
      );
    chosen.push(part);
  }
  for (const [i, part] of chosen.entries()) {
    if (i < chosen.length - 1 && part.size < MIN_PART_SIZE)
      throw new AwsError(
        "EntityTooSmall",
        400,
        "Your proposed upload is smaller than the minimum allowed size",
        {
          ProposedSize: String(part.size),
          MinSizeAllowed: String(MIN_PART_SIZE),
          PartNumber: String(part.partNumber),
          ETag: part.etag,
        },
      );
  }

  // Claim the upload: concurrent UploadPart/Complete/Abort now see NoSuchUpload.
  const claimed = join(bucket.dir, "tmp", `complete-${randomUUID()}`);
  try {
    await rename(join(bucket.uploadsDir, uploadId), claimed);
  } catch {
    throw new AwsError("NoSuchUpload", 404, "The specified upload does not exist.", { UploadId: uploadId });
  }
  const temp = bucket.tempPath();
  const algorithm = upload.checksumAlgorithm;
  const fullSummer =
    algorithm && upload.checksumType === "FULL_OBJECT" ? createChecksummer(algorithm) : undefined;
  let size = 0;
  try {
    const out = await open(temp, "wx");
    try {
      for (const part of chosen) {
        for await (const chunk of createReadStream(join(claimed, part.file), {
          highWaterMark: 1024 * 1024,
        })) {
          const data = chunk as Buffer;
          fullSummer?.update(data);
          size += data.length;
          let written = 0;
          while (written < data.length) written += (await out.write(data, written)).bytesWritten;
        }
      }
      await out.sync();
    } finally {
      await out.close();
    }
  } catch (error) {
    await rm(temp, { force: true });
    await rename(claimed, join(bucket.uploadsDir, uploadId)).catch(() => undefined);
    throw error;
  }
  const md5s = Buffer.concat(chosen.map((p) => Buffer.from(unquote(p.etag), "hex")));
  const etag = `"${createHash("md5").update(md5s).digest("hex")}-${chosen.length}"`;
  let checksum: StoredChecksum | undefined;
  if (algorithm && fullSummer)
    checksum = { algorithm, value: fullSummer.digest().toString("base64"), type: "FULL_OBJECT" };
  else if (algorithm && chosen.every((p) => p.checksum)) {
    const joined = Buffer.concat(chosen.map((p) => Buffer.from(p.checksum!, "base64")));
    checksum = { algorithm, value: `${checksumOf(algorithm, joined)}-${chosen.length}`, type: "COMPOSITE" };
  }
  await bucket.commit(temp, {
    key,
    size,
    etag,
    lastModified: Date.now(),
    ...upload.meta,
    ...(checksum ? { checksum } : {}),
  });
  await rm(claimed, { recursive: true, force: true });
  const host = requestHeader(ctx, "host") ?? "localhost";
  sendXml(
    ctx,
    200,
    s3Document(
      "CompleteMultipartUploadResult",
      text("Location", `http://${host}/${bucketName}/${encodeURI(key)}`),
      text("Bucket", bucketName),
      text("Key", key),
      text("ETag", etag),
      checksum ? text(`Checksum${checksum.algorithm.toUpperCase()}`, checksum.value) : "",
      checksum ? text("ChecksumType", checksum.type) : "",
    ),
  );
}
