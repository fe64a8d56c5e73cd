import { AwsError } from "../../aws-error.ts";
import { isoTime, OWNER, param, sendEmpty, sendXml, type S3Context } from "../context.ts";
import { el, s3Document, text } from "../xml.ts";

const owner = (name: string) => el(name, text("ID", OWNER.id), text("DisplayName", OWNER.displayName));

function limitParam(ctx: S3Context, name: string): number {
  const raw = param(ctx, name);
  if (raw === undefined) return 1000;
  if (!/^\d+$/.test(raw))
    throw new AwsError("InvalidArgument", 400, `Provided ${name} not an integer or within integer range`, {
      ArgumentName: name,
      ArgumentValue: raw,
    });
  return Math.min(Number(raw), 1000);
}

export async function abortMultipartUpload(ctx: S3Context, bucketName: string, key: string): Promise<void> {
  const uploadId = param(ctx, "uploadId")!;
  await ctx.storage.getUpload(bucketName, uploadId, key);
  await ctx.storage.abortUpload(bucketName, uploadId);
  sendEmpty(ctx, 204);
}

export async function listPartsOfUpload(ctx: S3Context, bucketName: string, key: string): Promise<void> {
  const uploadId = param(ctx, "uploadId")!;
  const upload = await ctx.storage.getUpload(bucketName, uploadId, key);
  const marker = Number(param(ctx, "part-number-marker") ?? 0) || 0;
  const maxParts = limitParam(ctx, "max-parts");
  const after = (await ctx.storage.listParts(bucketName, uploadId)).filter((p) => p.partNumber > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  const algorithm = upload.checksumAlgorithm?.toUpperCase();
  sendXml(
    ctx,
    200,
    s3Document(
      "ListPartsResult",
      text("Bucket", bucketName),
      text("Key", key),
      text("UploadId", uploadId),
      owner("Initiator"),
      owner("Owner"),
      text("StorageClass", "STANDARD"),
      text("PartNumberMarker", marker),
      text("NextPartNumberMarker", page.at(-1)?.partNumber ?? marker),
      text("MaxParts", maxParts),
      text("IsTruncated", truncated),
      text("ChecksumAlgorithm", algorithm),
      ...page.map((p) =>
        el(
          "Part",
          text("PartNumber", p.partNumber),
          text("LastModified", isoTime(p.lastModified)),
          text("ETag", p.etag),
          text("Size", p.size),
          algorithm && p.checksum ? text(`Checksum${algorithm}`, p.checksum) : "",
        ),
      ),
    ),
  );
}

export async function listMultipartUploads(ctx: S3Context, bucketName: string): Promise<void> {
  const prefix = param(ctx, "prefix") ?? "";
  const delimiter = param(ctx, "delimiter") ?? "";
  const keyMarker = param(ctx, "key-marker") ?? "";
  const uploadIdMarker = param(ctx, "upload-id-marker") ?? "";
  const maxUploads = limitParam(ctx, "max-uploads");
  const all = (await ctx.storage.listUploads(bucketName)).filter(
    (u) =>
      u.key.startsWith(prefix) &&
      (u.key > keyMarker || (u.key === keyMarker && uploadIdMarker !== "" && u.uploadId > uploadIdMarker)),
  );
  const uploads: string[] = [];
  const prefixes = new Set<string>();
  let last: { key: string; uploadId: string } | undefined;
  let truncated = false;
  for (const u of all) {
    const at = delimiter === "" ? -1 : u.key.indexOf(delimiter, prefix.length);
    const common = at >= 0 ? u.key.slice(0, at + delimiter.length) : undefined;
    if (common !== undefined && prefixes.has(common)) continue;
    if (uploads.length + prefixes.size >= maxUploads) {
      truncated = true;
      break;
    }
    if (common !== undefined) prefixes.add(common);
    else
      uploads.push(
        el(
          "Upload",
          text("Key", u.key),
          text("UploadId", u.uploadId),
          owner("Initiator"),
          owner("Owner"),
          text("StorageClass", "STANDARD"),
          text("Initiated", isoTime(u.initiated)),
        ),
      );
    last = { key: common ?? u.key, uploadId: u.uploadId };
  }
  sendXml(
    ctx,
    200,
    s3Document(
      "ListMultipartUploadsResult",
      text("Bucket", bucketName),
      text("KeyMarker", keyMarker),
      text("UploadIdMarker", uploadIdMarker),
      truncated && last ? text("NextKeyMarker", last.key) : "",
      truncated && last ? text("NextUploadIdMarker", last.uploadId) : "",
      text("Prefix", prefix),
      delimiter === "" ? "" : text("Delimiter", delimiter),
      text("MaxUploads", maxUploads),
      text("IsTruncated", truncated),
      ...uploads,
      ...[...prefixes].map((p) => el("CommonPrefixes", text("Prefix", p))),
    ),
  );
}
