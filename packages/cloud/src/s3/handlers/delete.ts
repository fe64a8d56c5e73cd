import { AwsError } from "../../aws-error.ts";
import { readSmallBody, sendEmpty, sendXml, type S3Context } from "../context.ts";
import { child, children, el, parseXml, s3Document, text } from "../xml.ts";

/** DELETE of a missing key succeeds, as in S3. */
export async function deleteObject(ctx: S3Context, bucketName: string, key: string): Promise<void> {
  await ctx.storage.deleteObject(bucketName, key);
  sendEmpty(ctx, 204);
}

const MAX_KEYS = 1000;

export async function deleteObjects(ctx: S3Context, bucketName: string): Promise<void> {
  await ctx.storage.headBucket(bucketName);
  const root = parseXml(await readSmallBody(ctx));
  if (root.name !== "Delete")
    throw new AwsError(
      "MalformedXML",
      400,
      "The XML you provided was not well-formed or did not validate against our published schema",
    );
  const quiet = child(root, "Quiet")?.text.trim().toLowerCase() === "true";
  const objects = children(root, "Object");
  if (objects.length === 0 || objects.length > MAX_KEYS)
    throw new AwsError(
      "MalformedXML",
      400,
      "The XML you provided was not well-formed or did not validate against our published schema",
    );
  const results: string[] = [];
  for (const object of objects) {
    const key = child(object, "Key")?.text;
    if (key === undefined || key === "")
      throw new AwsError(
        "MalformedXML",
        400,
        "The XML you provided was not well-formed or did not validate against our published schema",
      );
    try {
      await ctx.authorize("DeleteObject", bucketName, key);
      await ctx.storage.deleteObject(bucketName, key);
      if (!quiet) results.push(el("Deleted", text("Key", key)));
    } catch (error) {
      const code = error instanceof AwsError ? error.code : "InternalError";
      const message =
        error instanceof AwsError ? error.message : "We encountered an internal error. Please try again.";
      results.push(el("Error", text("Key", key), text("Code", code), text("Message", message)));
    }
  }
  sendXml(ctx, 200, s3Document("DeleteResult", ...results));
}
