import { AwsError } from "../aws-error.ts";
import { decodeComponent } from "../sigv4/canonical.ts";

/**
 * Bucket and key from the Host header and the RAW path: virtual-hosted (`bucket.localhost:port`,
 * `bucket.<endpoint host>`) or path-style (`/bucket/key`). The key is percent-decoded once and never
 * normalised: `a/./b/../c` and `x//y` are distinct, valid keys.
 */
export function s3Address(
  rawPath: string,
  hostHeader: string | undefined,
  endpointHost: string,
): { bucket: string | undefined; key: string | undefined } {
  if (!rawPath.startsWith("/")) throw new AwsError("InvalidURI", 400, "Couldn't parse the specified URI.");
  const host = (hostHeader ?? "").replace(/:\d+$/, "").toLowerCase();
  const virtualBucket = [".localhost", `.${endpointHost.toLowerCase()}`]
    .filter((suffix) => host.endsWith(suffix) && host.length > suffix.length)
    .map((suffix) => host.slice(0, -suffix.length))[0];
  const rest = rawPath.slice(1);
  if (virtualBucket !== undefined)
    return { bucket: virtualBucket, key: rest === "" ? undefined : decodeComponent(rest) };
  if (rest === "") return { bucket: undefined, key: undefined };
  const slash = rest.indexOf("/");
  const bucket = decodeComponent(slash < 0 ? rest : rest.slice(0, slash));
  // `//key`: no operation takes an empty bucket name, and IAM could not name its resource.
  if (bucket === "") throw new AwsError("InvalidBucketName", 400, "The specified bucket is not valid.");
  const key = slash < 0 || slash === rest.length - 1 ? undefined : decodeComponent(rest.slice(slash + 1));
  return { bucket, key };
}
