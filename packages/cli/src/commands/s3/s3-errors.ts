/** S3 failures as the CLI reports them: the S3 error code and message, as awscli shows them. */
import { S3ServiceException } from "@aws-sdk/client-s3";
import { ErrorCode } from "@fawkes/protocol/constants";
import { describeAwsError } from "../../cloud-errors.ts";
import { CliError } from "../../errors.ts";

/** `NoSuchBucket: The specified bucket does not exist`, or the plain message of a local/network error. */
export function describeS3Error(error: unknown): string {
  if (error instanceof CliError) return error.message;
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode;
    // HEAD responses have no body: the SDK knows only the status.
    if (error.name === "NotFound" || (status === 404 && error.message === "UnknownError"))
      return "NotFound: no such key or bucket (404)";
    if (status === 403 && error.message === "UnknownError")
      return "Forbidden: access denied or wrong credentials (403)";
  }
  return describeAwsError(error);
}

/** The Fawkes code that best names an S3 failure (for the `[FAWKES_…]` tag). */
export function fawkesCodeFor(error: unknown): ErrorCode {
  if (error instanceof CliError && error.code !== undefined) return error.code;
  if (!(error instanceof S3ServiceException)) return ErrorCode.internal;
  const status = error.$metadata.httpStatusCode ?? 500;
  if (status === 404) return ErrorCode.notFound;
  if (status === 403) return error.name === "AccessDenied" ? ErrorCode.forbidden : ErrorCode.unauthorized;
  if (status === 401) return ErrorCode.unauthorized;
  if (status < 500) return ErrorCode.badRequest;
  return ErrorCode.internal;
}

/** Wraps an S3 failure for the top of the CLI: `fawkes: <what>: NoSuchBucket: … [FAWKES_NOT_FOUND]`. */
export function s3CliError(what: string, error: unknown): CliError {
  if (error instanceof CliError) return error;
  return new CliError(`${what}: ${describeS3Error(error)}`, { code: fawkesCodeFor(error), cause: error });
}
