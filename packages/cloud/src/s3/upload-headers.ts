import { AwsError } from "../aws-error.ts";
import { checksumAlgorithms, isChecksumAlgorithm, type ChecksumAlgorithm } from "../checksums/checksum.ts";
import type { PayloadExpectations } from "../storage/ingest.ts";
import { storedHeaders, type ObjectMeta, type StoredChecksum } from "../storage/object-record.ts";
import { requestHeader, type S3Context } from "./context.ts";

const MAX_KEY_BYTES = 1024;
const MAX_METADATA_BYTES = 2048;
export const MAX_PUT_SIZE = 5 * 1024 ** 3;

export function checkKey(key: string): void {
  if (key === "") throw new AwsError("InvalidArgument", 400, "The key must not be empty");
  if (Buffer.byteLength(key) > MAX_KEY_BYTES)
    throw new AwsError("KeyTooLongError", 400, "Your key is too long", {
      MaxSizeAllowed: String(MAX_KEY_BYTES),
    });
}

/** Content-Type, the stored standard headers and x-amz-meta-* from a PUT, Copy (REPLACE) or CreateMultipartUpload. */
export function objectMetaFromHeaders(ctx: Pick<S3Context, "headers">): ObjectMeta {
  const headers: Record<string, string> = {};
  for (const name of storedHeaders) {
    let value = requestHeader(ctx, name);
    if (name === "content-encoding" && value !== undefined) {
      // aws-chunked is the transfer framing of this request, not a property of the object.
      value = value
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== "" && v.toLowerCase() !== "aws-chunked")
        .join(",");
      if (value === "") value = undefined;
    }
    if (value !== undefined) headers[name] = value;
  }
  const userMetadata: Record<string, string> = {};
  let metadataBytes = 0;
  for (const [name, values] of ctx.headers) {
    if (!name.startsWith("x-amz-meta-")) continue;
    const short = name.slice("x-amz-meta-".length);
    userMetadata[short] = values.join(",");
    metadataBytes += Buffer.byteLength(short) + Buffer.byteLength(userMetadata[short]);
  }
  if (metadataBytes > MAX_METADATA_BYTES)
    throw new AwsError(
      "MetadataTooLarge",
      400,
      "Your metadata headers exceed the maximum allowed metadata size",
      {
        MaxSizeAllowed: String(MAX_METADATA_BYTES),
      },
    );
  return { contentType: requestHeader(ctx, "content-type") ?? "binary/octet-stream", headers, userMetadata };
}

export interface UploadChecks {
  expectations: PayloadExpectations;
  /** The algorithm whose checksum is stored with the object (and echoed in the response). */
  algorithm: ChecksumAlgorithm | undefined;
}

/** Content-MD5, x-amz-checksum-*, x-amz-trailer and x-amz-sdk-checksum-algorithm → what to verify and keep. */
export function uploadChecks(
  ctx: Pick<S3Context, "headers">,
  defaultAlgorithm?: ChecksumAlgorithm,
): UploadChecks {
  const expectations: PayloadExpectations = { checksums: {} };
  const contentMd5 = requestHeader(ctx, "content-md5");
  if (contentMd5 !== undefined) {
    if (Buffer.from(contentMd5, "base64").length !== 16 || !/^[A-Za-z0-9+/]+={0,2}$/.test(contentMd5))
      throw new AwsError("InvalidDigest", 400, "The Content-MD5 you specified was not valid.", {
        "Content-MD5": contentMd5,
      });
    expectations.contentMd5 = contentMd5;
  }
  const present = checksumAlgorithms.filter((a) => requestHeader(ctx, `x-amz-checksum-${a}`) !== undefined);
  if (present.length > 1)
    throw new AwsError(
      "InvalidRequest",
      400,
      "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
    );
  let algorithm: ChecksumAlgorithm | undefined = present[0];
  if (algorithm) expectations.checksums[algorithm] = requestHeader(ctx, `x-amz-checksum-${algorithm}`)!;
  const trailer = requestHeader(ctx, "x-amz-trailer")?.trim().toLowerCase();
  if (trailer !== undefined) {
    const name = trailer.startsWith("x-amz-checksum-") ? trailer.slice("x-amz-checksum-".length) : "";
    if (!isChecksumAlgorithm(name))
      throw new AwsError(
        "InvalidRequest",
        400,
        `The value specified in the x-amz-trailer header is not supported`,
      );
    if (algorithm && algorithm !== name)
      throw new AwsError(
        "InvalidRequest",
        400,
        "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
      );
    algorithm = name;
    expectations.trailerAlgorithm = name;
  }
  const declared = requestHeader(ctx, "x-amz-sdk-checksum-algorithm")?.toLowerCase() ?? defaultAlgorithm;
  if (declared !== undefined) {
    if (!isChecksumAlgorithm(declared))
      throw new AwsError(
        "InvalidRequest",
        400,
        "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
      );
    algorithm ??= declared;
    if (algorithm === declared) expectations.compute = [declared];
  }
  return { expectations, algorithm };
}

export function storedChecksum(
  algorithm: ChecksumAlgorithm | undefined,
  computed: Partial<Record<ChecksumAlgorithm, string>>,
): StoredChecksum | undefined {
  const value = algorithm && computed[algorithm];
  return algorithm && value ? { algorithm, value, type: "FULL_OBJECT" } : undefined;
}

export function checksumHeaders(checksum: StoredChecksum | undefined): Record<string, string> {
  return checksum
    ? { [`x-amz-checksum-${checksum.algorithm}`]: checksum.value, "x-amz-checksum-type": checksum.type }
    : {};
}
