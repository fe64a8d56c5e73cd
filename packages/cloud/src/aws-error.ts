/**
 * An error answered in the calling service's own wire format (S3 XML, Query XML, JSON). `code` is AWS's
 * error code (`NoSuchKey`, `SignatureDoesNotMatch`…), which clients switch on, so it is the stable code here.
 * `details` become extra child elements of S3's <Error> (e.g. CanonicalRequest, Key, BucketName).
 */
export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Readonly<Record<string, string>>;
  constructor(
    code: string,
    status: number,
    message: string,
    details: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AwsError";
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

/** Common S3 errors, so messages and statuses stay identical wherever they are raised. */
export const s3Errors = {
  noSuchBucket: (bucket: string) =>
    new AwsError("NoSuchBucket", 404, "The specified bucket does not exist", { BucketName: bucket }),
  noSuchKey: (key: string) =>
    new AwsError("NoSuchKey", 404, "The specified key does not exist.", { Key: key }),
  noSuchUpload: (uploadId: string) =>
    new AwsError(
      "NoSuchUpload",
      404,
      "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
      { UploadId: uploadId },
    ),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new AwsError(
      "InvalidArgument",
      400,
      message,
      name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? "" },
    ),
  invalidRequest: (message: string) => new AwsError("InvalidRequest", 400, message),
  malformedXml: () =>
    new AwsError(
      "MalformedXML",
      400,
      "The XML you provided was not well-formed or did not validate against our published schema",
    ),
  badDigest: (message: string) => new AwsError("BadDigest", 400, message),
  incompleteBody: () =>
    new AwsError(
      "IncompleteBody",
      400,
      "You did not provide the number of bytes specified by the Content-Length HTTP header",
    ),
  accessDenied: (message = "Access Denied") => new AwsError("AccessDenied", 403, message),
};
