import { AwsError } from "../../aws-error.ts";
import { isChecksumAlgorithm } from "../../checksums/checksum.ts";
import type { PartInfo } from "../../storage/multipart.ts";
import { body, param, readSmallBody, requestHeader, sendEmpty, sendXml, type S3Context } from "../context.ts";
import { checkKey, MAX_PUT_SIZE, objectMetaFromHeaders, uploadChecks } from "../upload-headers.ts";
import { child, children, parseXml, s3Document, text } from "../xml.ts";

export const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;

export async function createMultipartUpload(ctx: S3Context, bucketName: string, key: string): Promise<void> {
  checkKey(key);
  const algorithm = requestHeader(ctx, "x-amz-checksum-algorithm")?.toLowerCase();
  if (algorithm !== undefined && !isChecksumAlgorithm(algorithm))
    throw new AwsError("InvalidRequest", 400, "Checksum algorithm provided is unsupported.");
  const type = requestHeader(ctx, "x-amz-checksum-type")?.toUpperCase();
  if (type !== undefined && type !== "COMPOSITE" && type !== "FULL_OBJECT")
    throw new AwsError("InvalidRequest", 400, "Value for x-amz-checksum-type header is invalid.");
  const upload = await ctx.storage.createUpload(bucketName, {
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
  const uploadId = param(ctx, "uploadId")!;
  const upload = await ctx.storage.getUpload(bucketName, uploadId, key);
  const checks = uploadChecks(ctx, upload.checksumAlgorithm);
  const declared = Number(
    requestHeader(ctx, "x-amz-decoded-content-length") ?? requestHeader(ctx, "content-length") ?? 0,
  );
  if (declared > MAX_PUT_SIZE)
    throw new AwsError("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size");
  const algorithm = upload.checksumAlgorithm ?? checks.algorithm;
  const part = await ctx.storage.uploadPart(bucketName, upload, partNumber, {
    body: body(ctx),
    expectations: checks.expectations,
    algorithm,
  });
  const checksum = part.checksum;
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
  const uploadId = param(ctx, "uploadId")!;
  const upload = await ctx.storage.getUpload(bucketName, uploadId, key);
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
  const stored = new Map((await ctx.storage.listParts(bucketName, uploadId)).map((p) => [p.partNumber, p]));
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

  const record = await ctx.storage.completeUpload(bucketName, upload, chosen);
  const { etag, checksum } = record;
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
