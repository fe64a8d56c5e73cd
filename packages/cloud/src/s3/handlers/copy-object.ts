import { copyFile, link } from "node:fs/promises";
import { AwsError } from "../../aws-error.ts";
import { decodeComponent } from "../../sigv4/canonical.ts";
import { isoTime, requestHeader, sendXml, type S3Context } from "../context.ts";
import { checkPreconditions } from "../preconditions.ts";
import { checkKey, objectMetaFromHeaders } from "../upload-headers.ts";
import { s3Document, text } from "../xml.ts";
import { openObject } from "./get-object.ts";

/** `x-amz-copy-source: [/]bucket/key[?versionId=…]`, URL-encoded. */
export function parseCopySource(value: string): { bucket: string; key: string } {
  const withoutVersion = value.replace(/\?versionId=[^&]*$/, "");
  const decoded = decodeComponent(withoutVersion).replace(/^\//, "");
  const slash = decoded.indexOf("/");
  if (slash <= 0 || slash === decoded.length - 1)
    throw new AwsError("InvalidArgument", 400, "Invalid copy source object key", {
      ArgumentName: "x-amz-copy-source",
      ArgumentValue: value,
    });
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

export async function copyObject(ctx: S3Context, bucketName: string, key: string): Promise<void> {
  checkKey(key);
  const source = parseCopySource(requestHeader(ctx, "x-amz-copy-source")!);
  await ctx.authorize("GetObject", source.bucket, source.key);
  const directive = (requestHeader(ctx, "x-amz-metadata-directive") ?? "COPY").toUpperCase();
  if (directive !== "COPY" && directive !== "REPLACE")
    throw new AwsError("InvalidArgument", 400, "Unknown metadata directive.", {
      ArgumentName: "x-amz-metadata-directive",
      ArgumentValue: directive,
    });
  if (source.bucket === bucketName && source.key === key && directive === "COPY")
    throw new AwsError(
      "InvalidRequest",
      400,
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  const sourceBucket = await ctx.storage.bucket(source.bucket);
  const target = await ctx.storage.bucket(bucketName);
  const { record, file } = await openObject(sourceBucket, source.key);
  const temp = target.tempPath();
  try {
    if (
      checkPreconditions((name) => requestHeader(ctx, name), record, "x-amz-copy-source-") === "not-modified"
    )
      throw new AwsError(
        "PreconditionFailed",
        412,
        "At least one of the pre-conditions you specified did not hold",
        {
          Condition: "x-amz-copy-source-If-None-Match",
        },
      );
    // Committed data files are immutable, so a hard link is a complete, durable copy.
    await link(sourceBucket.dataPath(record.file), temp).catch(() =>
      copyFile(sourceBucket.dataPath(record.file), temp),
    );
  } finally {
    await file.close();
  }
  const meta =
    directive === "REPLACE"
      ? objectMetaFromHeaders(ctx)
      : { contentType: record.contentType, headers: record.headers, userMetadata: record.userMetadata };
  const copy = await target.commit(temp, {
    key,
    size: record.size,
    etag: record.etag,
    lastModified: Date.now(),
    ...meta,
    ...(record.checksum ? { checksum: record.checksum } : {}),
  });
  sendXml(
    ctx,
    200,
    s3Document("CopyObjectResult", text("LastModified", isoTime(copy.lastModified)), text("ETag", copy.etag)),
  );
}
