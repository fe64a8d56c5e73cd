import { AwsError } from "../../aws-error.ts";
import { decodeComponent } from "../../sigv4/canonical.ts";
import { isoTime, requestHeader, sendXml, type S3Context } from "../context.ts";
import { checkPreconditions } from "../preconditions.ts";
import { checkKey, objectMetaFromHeaders } from "../upload-headers.ts";
import { s3Document, text } from "../xml.ts";

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
  const copy = await ctx.storage.copyObject(
    source,
    { bucket: bucketName, key },
    {
      ...(directive === "REPLACE" ? { meta: objectMetaFromHeaders(ctx) } : {}),
      check: (record) => {
        if (
          checkPreconditions((name) => requestHeader(ctx, name), record, "x-amz-copy-source-") ===
          "not-modified"
        )
          throw new AwsError(
            "PreconditionFailed",
            412,
            "At least one of the pre-conditions you specified did not hold",
            { Condition: "x-amz-copy-source-If-None-Match" },
          );
      },
    },
  );
  sendXml(
    ctx,
    200,
    s3Document("CopyObjectResult", text("LastModified", isoTime(copy.lastModified)), text("ETag", copy.etag)),
  );
}
