import { AwsError } from "../aws-error.ts";
import { escapeXml } from "./xml.ts";

/** S3's <Error> document; `details` become extra elements, as S3 adds Key, BucketName, CanonicalRequest… */
export function s3ErrorDocument(error: AwsError, requestId: string, hostId: string): string {
  const details = Object.entries(error.details)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join("");
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message>${details}` +
    `<RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`
  );
}

export function asAwsError(error: unknown): AwsError {
  if (error instanceof AwsError) return error;
  return new AwsError(
    "InternalError",
    500,
    "We encountered an internal error. Please try again.",
    {},
    { cause: error },
  );
}
