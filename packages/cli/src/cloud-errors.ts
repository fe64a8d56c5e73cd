/**
 * Failures of the AWS-client commands (`fawkes stack`, `fawkes instances`) as the CLI reports them: the AWS error
 * code and message as awscli shows them, the Fawkes code that names them, and what to do next.
 */
import { ErrorCode } from "@fawkes/protocol/constants";
import { CliError } from "./errors.ts";

/** What the SDK's service exceptions carry (duck-typed: each client has its own exception class). */
interface ServiceFailure {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}

export function isServiceFailure(error: unknown): error is ServiceFailure {
  return error instanceof Error && typeof (error as { $metadata?: unknown }).$metadata === "object";
}

/** The AWS error code of a service failure (`ValidationError`, `AccessDenied`…), else undefined. */
export function awsErrorCode(error: unknown): string | undefined {
  return isServiceFailure(error) ? error.name : undefined;
}

/** `AccessDenied: User … is not authorized…`, or the plain message of a local or network error. */
export function describeAwsError(error: unknown): string {
  if (error instanceof CliError) return error.message;
  if (isServiceFailure(error)) return `${error.name}: ${error.message}`;
  const cause = (error as { cause?: unknown }).cause;
  const message = error instanceof Error ? error.message : String(error);
  const causeCode =
    (cause as NodeJS.ErrnoException | undefined)?.code ?? (error as NodeJS.ErrnoException).code;
  return causeCode !== undefined && !message.includes(causeCode) ? `${message} (${causeCode})` : message;
}

const UNAUTHENTICATED = new Set([
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "ExpiredTokenException",
  "AuthFailure",
  "InvalidAccessKeyId",
  "InvalidToken",
]);

const DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"]);

const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT"]);

/** The Fawkes code and hint of a failure of `what` (e.g. "cannot create stack app-7"). */
function classify(error: unknown): { code: ErrorCode; hint?: string } {
  if (!isServiceFailure(error)) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const errno = cause?.code ?? (error as { code?: string }).code;
    if (errno !== undefined && NETWORK.has(errno))
      return {
        code: ErrorCode.internal,
        hint: "is the Fawkes server running (`fawkes up`)? check --endpoint-url or $AWS_ENDPOINT_URL",
      };
    if (error instanceof Error && /region is missing/i.test(error.message))
      return { code: ErrorCode.badRequest, hint: "pass --region REGION or set AWS_REGION" };
    return { code: ErrorCode.internal };
  }
  const status = error.$metadata.httpStatusCode ?? 500;
  if (DENIED.has(error.name))
    return {
      code: ErrorCode.forbidden,
      hint:
        "the key or role you sign with does not allow this action: use credentials whose policy allows it " +
        "(`fawkes credentials create NAME --policy FILE`, or a job role that grants it)",
    };
  if (UNAUTHENTICATED.has(error.name) || status === 401)
    return {
      code: ErrorCode.unauthorized,
      hint: "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (`fawkes credentials list` shows the server's keys)",
    };
  if (error.name === "AlreadyExistsException")
    return {
      code: ErrorCode.stackAlreadyExists,
      hint: "pick another name, or change it with `fawkes stack update NAME`",
    };
  if (error.name === "InsufficientCapabilitiesException")
    return {
      code: ErrorCode.insufficientCapabilities,
      hint: "the template makes IAM resources: add --capabilities CAPABILITY_IAM",
    };
  if (error.name === "ValidationError" && /does not exist/.test(error.message))
    return { code: ErrorCode.stackNotFound, hint: "`fawkes stack list` shows the live stacks" };
  if (error.name === "ValidationError" && /Template format error/.test(error.message))
    return { code: ErrorCode.templateInvalid };
  if (/^InvalidInstanceID\.(NotFound|Malformed)$/.test(error.name))
    return {
      code: error.name.endsWith("NotFound") ? ErrorCode.notFound : ErrorCode.badRequest,
      hint: "`fawkes instances list` shows the instances",
    };
  if (status === 404) return { code: ErrorCode.notFound };
  if (status === 403) return { code: ErrorCode.forbidden };
  if (status < 500) return { code: ErrorCode.badRequest };
  return { code: ErrorCode.internal };
}

/** Wraps a failure for the top of the CLI: `fawkes: <what>: AccessDenied: … [FAWKES_FORBIDDEN]` and a hint. */
export function awsCliError(what: string, error: unknown): CliError {
  if (error instanceof CliError) return error;
  const { code, hint } = classify(error);
  return new CliError(`${what}: ${describeAwsError(error)}`, {
    code,
    cause: error,
    ...(hint !== undefined && { hint }),
  });
}
