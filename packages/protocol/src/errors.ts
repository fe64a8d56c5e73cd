/**
 * The error registry: every stable code is defined here once, with the HTTP status it always travels with
 * and the one-line meaning that opens its row in docs/errors.md (a test checks code, status and meaning).
 * Throw sites name the code only: `new FawkesError(ErrorCode.pipelineNotFound, `no pipeline ${name}`)`.
 * Over HTTP they travel as RFC 9457 problem+json: { type, title, status, code, detail, errors? }.
 */
const errorRegistry = {
  badRequest: {
    code: "FAWKES_BAD_REQUEST",
    status: 400,
    meaning: "The request is malformed.",
  },
  validation: {
    code: "FAWKES_VALIDATION_FAILED",
    status: 400,
    meaning: "A body or query failed its schema.",
  },
  lengthRequired: {
    code: "FAWKES_LENGTH_REQUIRED",
    status: 411,
    meaning: "An upload came without a `content-length`.",
  },
  unauthorized: {
    code: "FAWKES_UNAUTHORIZED",
    status: 401,
    meaning: "Missing or wrong API token or agent token/key.",
  },
  forbidden: {
    code: "FAWKES_FORBIDDEN",
    status: 403,
    meaning: "Authenticated but not allowed.",
  },
  csrfTokenInvalid: {
    code: "FAWKES_CSRF_TOKEN_INVALID",
    status: 403,
    meaning: "A write made with the web UI's session cookie lacks the session's CSRF token.",
  },
  permissionDenied: {
    code: "FAWKES_PERMISSION_DENIED",
    status: 403,
    meaning: "The user's role does not allow this.",
  },
  loginFailed: {
    code: "FAWKES_LOGIN_FAILED",
    status: 401,
    meaning: "Wrong user name or password.",
  },
  tooManyLoginAttempts: {
    code: "FAWKES_TOO_MANY_LOGIN_ATTEMPTS",
    status: 429,
    meaning: "Too many failed logins from this address or for this user.",
  },
  userNotFound: {
    code: "FAWKES_USER_NOT_FOUND",
    status: 404,
    meaning: "No user with that name.",
  },
  userExists: {
    code: "FAWKES_USER_EXISTS",
    status: 409,
    meaning: "A user with that name exists.",
  },
  apiTokenNotFound: {
    code: "FAWKES_API_TOKEN_NOT_FOUND",
    status: 404,
    meaning: "No personal API token with that id.",
  },
  notFound: {
    code: "FAWKES_NOT_FOUND",
    status: 404,
    meaning: "No such route.",
  },
  pipelineNotFound: {
    code: "FAWKES_PIPELINE_NOT_FOUND",
    status: 404,
    meaning: "No pipeline with that name in the loaded config.",
  },
  runNotFound: {
    code: "FAWKES_RUN_NOT_FOUND",
    status: 404,
    meaning: "No run with that counter.",
  },
  stageNotFound: {
    code: "FAWKES_STAGE_NOT_FOUND",
    status: 404,
    meaning: "The pipeline has no such stage, or the stage has not run in that run.",
  },
  jobNotFound: {
    code: "FAWKES_JOB_NOT_FOUND",
    status: 404,
    meaning: "The stage has no such job.",
  },
  agentNotFound: {
    code: "FAWKES_AGENT_NOT_FOUND",
    status: 404,
    meaning: "No agent with that name.",
  },
  materialNotFound: {
    code: "FAWKES_MATERIAL_NOT_FOUND",
    status: 404,
    meaning: "The pipeline has no material of that name.",
  },
  materialUnreachable: {
    code: "FAWKES_MATERIAL_UNREACHABLE",
    status: 502,
    meaning: "A git repository could not be reached, cloned or fetched.",
  },
  artifactNotFound: {
    code: "FAWKES_ARTIFACT_NOT_FOUND",
    status: 404,
    meaning: "No such artifact, or a fetch path that does not lead to an upstream run.",
  },
  artifactPathConflict: {
    code: "FAWKES_ARTIFACT_PATH_CONFLICT",
    status: 409,
    meaning: "An artifact upload names a path that clashes with the job's other artifacts.",
  },
  pipelinePaused: {
    code: "FAWKES_PIPELINE_PAUSED",
    status: 409,
    meaning: "The pipeline is paused.",
  },
  pipelineArchived: {
    code: "FAWKES_PIPELINE_ARCHIVED",
    status: 409,
    meaning: "The pipeline is no longer in the config (archived).",
  },
  pipelineLocked: {
    code: "FAWKES_PIPELINE_LOCKED",
    status: 409,
    meaning: "`lock_behavior` holds the pipeline for an unfinished (or failed, with `lockOnFailure`) run.",
  },
  stageNotAwaitingApproval: {
    code: "FAWKES_STAGE_NOT_AWAITING_APPROVAL",
    status: 409,
    meaning: "The stage is not waiting for manual approval.",
  },
  approvalNotAllowed: {
    code: "FAWKES_APPROVAL_NOT_ALLOWED",
    status: 409,
    meaning: "`allow_only_on_success` and the previous stage did not pass.",
  },
  stageStillRunning: {
    code: "FAWKES_STAGE_STILL_RUNNING",
    status: 409,
    meaning: "A stage of the run is still running.",
  },
  runAlreadyFinished: {
    code: "FAWKES_RUN_ALREADY_FINISHED",
    status: 409,
    meaning: "Nothing to cancel: the run or stage is not running.",
  },
  upstreamNotPassed: {
    code: "FAWKES_UPSTREAM_NOT_PASSED",
    status: 409,
    meaning: "An upstream pipeline has no passed run yet, so a dependency material has no revision.",
  },
  invalidRevision: {
    code: "FAWKES_INVALID_REVISION",
    status: 400,
    meaning: "A revision named in the request does not exist in the material.",
  },
  branchNotFound: {
    code: "FAWKES_BRANCH_NOT_FOUND",
    status: 409,
    meaning: "The material's branch does not exist in its repository.",
  },
  undeclaredVariable: {
    code: "FAWKES_UNDECLARED_VARIABLE",
    status: 400,
    meaning: "A trigger set a variable the pipeline does not declare.",
  },
  illegalTransition: {
    code: "FAWKES_ILLEGAL_TRANSITION",
    status: 409,
    meaning: "A run, stage, job or agent was asked to move to a state its current state does not allow.",
  },
  protocolVersion: {
    code: "FAWKES_PROTOCOL_VERSION_UNSUPPORTED",
    status: 400,
    meaning: "The agent speaks another protocol version.",
  },
  leaseLost: {
    code: "FAWKES_LEASE_LOST",
    status: 409,
    meaning: "Agent protocol: the job was reassigned or cancelled.",
  },
  agentNotEnabled: {
    code: "FAWKES_AGENT_NOT_ENABLED",
    status: 403,
    meaning: "The agent is pending, disabled or lost, so it may not do this.",
  },
  agentIdentityUnknown: {
    code: "FAWKES_AGENT_IDENTITY_UNKNOWN",
    status: 401,
    meaning: "Agent registration: the saved agent id and token are not known to this server.",
  },
  agentNameTaken: {
    code: "FAWKES_AGENT_NAME_TAKEN",
    status: 409,
    meaning: "Another agent is already registered under that name.",
  },
  agentBusy: {
    code: "FAWKES_AGENT_BUSY",
    status: 409,
    meaning: "The agent is running a job.",
  },
  roleNotTrusted: {
    code: "FAWKES_ROLE_NOT_TRUSTED",
    status: 403,
    meaning: "The role's trust policy does not allow that principal.",
  },
  checksumMismatch: {
    code: "FAWKES_CHECKSUM_MISMATCH",
    status: 400,
    meaning: "An artifact's SHA-256 does not match what the sender declared.",
  },
  pathEscape: {
    code: "FAWKES_PATH_ESCAPE",
    status: 400,
    meaning: "A path (artifact, destination, working directory) would leave its directory.",
  },
  webhookSignature: {
    code: "FAWKES_WEBHOOK_SIGNATURE_INVALID",
    status: 401,
    meaning: "The webhook's HMAC signature (or GitLab token) does not match the material's `webhook_secret`.",
  },
  webhookPayload: {
    code: "FAWKES_WEBHOOK_PAYLOAD_INVALID",
    status: 400,
    meaning: "The webhook body is not a push payload Fawkes understands.",
  },
  configInvalid: {
    code: "FAWKES_CONFIG_INVALID",
    status: 400,
    meaning: "A pipeline file is invalid.",
  },
  payloadTooLarge: {
    code: "FAWKES_PAYLOAD_TOO_LARGE",
    status: 413,
    meaning: "The request body is over the limit.",
  },
  dataDirInUse: {
    code: "FAWKES_DATA_DIR_IN_USE",
    status: 409,
    meaning: "Start-up only: another server holds the store's lock.",
  },
  databaseUnavailable: {
    code: "FAWKES_DATABASE_UNAVAILABLE",
    status: 503,
    meaning:
      "Start-up only: the PostgreSQL server cannot be reached, or refused the user, password or database.",
  },
  databaseNotEmpty: {
    code: "FAWKES_DATABASE_NOT_EMPTY",
    status: 409,
    meaning: "`fawkes db copy` only: the target database already holds Fawkes data.",
  },
  roleNotFound: {
    code: "FAWKES_ROLE_NOT_FOUND",
    status: 404,
    meaning: "No IAM role with that name or ARN.",
  },
  policyNotFound: {
    code: "FAWKES_POLICY_NOT_FOUND",
    status: 404,
    meaning: "No managed policy with that ARN or name, or the role has no inline policy of that name.",
  },
  instanceProfileNotFound: {
    code: "FAWKES_INSTANCE_PROFILE_NOT_FOUND",
    status: 404,
    meaning: "No instance profile with that name.",
  },
  entityAlreadyExists: {
    code: "FAWKES_ENTITY_ALREADY_EXISTS",
    status: 409,
    meaning: "A role, managed policy or instance profile of that name (in any letter case) already exists.",
  },
  deleteConflict: {
    code: "FAWKES_DELETE_CONFLICT",
    status: 409,
    meaning: "The role, policy or instance profile is still in use; the message says what to remove first.",
  },
  limitExceeded: {
    code: "FAWKES_LIMIT_EXCEEDED",
    status: 409,
    meaning:
      "An IAM limit: an instance profile already holds its one role, or a policy document is too large.",
  },
  instanceSpecInvalid: {
    code: "FAWKES_INSTANCE_SPEC_INVALID",
    status: 400,
    meaning: "A phoenix instance cannot be launched as asked.",
  },
  instanceNotRunning: {
    code: "FAWKES_INSTANCE_NOT_RUNNING",
    status: 409,
    meaning: "The phoenix instance is terminating or has exited.",
  },
  instanceNotFound: {
    code: "FAWKES_INSTANCE_NOT_FOUND",
    status: 404,
    meaning: "No phoenix instance with that id.",
  },
  instanceAddressesExhausted: {
    code: "FAWKES_INSTANCE_ADDRESSES_EXHAUSTED",
    status: 503,
    meaning: "Every phoenix instance address of `127.100.0.0/16` is in use.",
  },
  instanceStartFailed: {
    code: "FAWKES_INSTANCE_START_FAILED",
    status: 500,
    meaning: "A phoenix instance's sandbox could not be built or started, or a port of it exposed.",
  },
  addressesExhausted: {
    code: "FAWKES_ADDRESSES_EXHAUSTED",
    status: 503,
    meaning: "Every stable (elastic) address of `127.101.0.0/16` is allocated.",
  },
  addressNotFound: {
    code: "FAWKES_ADDRESS_NOT_FOUND",
    status: 404,
    meaning: "No stable (elastic) address with that allocation id or public IP.",
  },
  addressInUse: {
    code: "FAWKES_ADDRESS_IN_USE",
    status: 409,
    meaning: "The stable address is associated with an instance, or the instance cannot take it.",
  },
  stackNotFound: {
    code: "FAWKES_STACK_NOT_FOUND",
    status: 404,
    meaning: "No live stack with that name (or no stack with that ARN).",
  },
  stackAlreadyExists: {
    code: "FAWKES_STACK_ALREADY_EXISTS",
    status: 409,
    meaning: "A live stack of that name already exists.",
  },
  stackBusy: {
    code: "FAWKES_STACK_BUSY",
    status: 409,
    meaning:
      "The stack is in a state that does not allow the operation (another operation is running, or it failed).",
  },
  stackSignalRefused: {
    code: "FAWKES_STACK_SIGNAL_REFUSED",
    status: 400,
    meaning:
      "The resource takes no signal now: it does not exist, has no creation policy, or is not being created.",
  },
  stackNoUpdates: {
    code: "FAWKES_STACK_NO_UPDATES",
    status: 400,
    meaning: "An update that changes nothing: the same template and the same parameter values.",
  },
  insufficientCapabilities: {
    code: "FAWKES_INSUFFICIENT_CAPABILITIES",
    status: 400,
    meaning:
      "The template creates IAM resources: the request must acknowledge CAPABILITY_IAM (or CAPABILITY_NAMED_IAM).",
  },
  templateInvalid: {
    code: "FAWKES_TEMPLATE_INVALID",
    status: 400,
    meaning: "A stack template or its parameters are invalid.",
  },
  internal: {
    code: "FAWKES_INTERNAL",
    status: 500,
    meaning: "A bug or an environment failure.",
  },
  badGateway: {
    code: "FAWKES_BAD_GATEWAY",
    status: 502,
    meaning: "A service Fawkes called failed or answered something unexpected.",
  },
  unavailable: {
    code: "FAWKES_UNAVAILABLE",
    status: 503,
    meaning: "A part of the server this request needs is not running.",
  },
} as const satisfies Record<string, { code: `FAWKES_${string}`; status: number; meaning: string }>;

type Registry = typeof errorRegistry;

/** The stable codes by name: `ErrorCode.pipelineNotFound` is `"FAWKES_PIPELINE_NOT_FOUND"`. */
export const ErrorCode = Object.fromEntries(
  Object.entries(errorRegistry).map(([name, definition]) => [name, definition.code]),
) as { readonly [Name in keyof Registry]: Registry[Name]["code"] };
export type ErrorCode = Registry[keyof Registry]["code"];

/** What a code means over HTTP; one entry per code. */
export interface ErrorDefinition {
  code: ErrorCode;
  status: number;
  /** One sentence: the start of the code's row in docs/errors.md. */
  meaning: string;
}

/** Every code's definition, in registry order. */
export const errorDefinitions: readonly ErrorDefinition[] = Object.values(errorRegistry);

const definitionsByCode = new Map<string, ErrorDefinition>(errorDefinitions.map((d) => [d.code, d]));

/** The registry's definition of a code, or undefined for a string that is not a Fawkes code. */
export function errorDefinitionOf(code: string): ErrorDefinition | undefined {
  return definitionsByCode.get(code);
}

/** The HTTP status every error with this code travels with. */
export function statusOf(code: ErrorCode): number {
  // Present by construction: ErrorCode is derived from the registry.
  return definitionsByCode.get(code)?.status ?? 500;
}

/** RFC 9457 problem document with Fawkes's stable code. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  /** Per-field or per-file issues, for validation errors. */
  errors?: { path?: string; file?: string; line?: number; column?: number; message: string }[];
}

/**
 * An error with a stable code; its HTTP status comes from the registry, never from the throw site.
 * Thrown by services, mapped to problem+json in one place.
 */
export class FawkesError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: Problem["errors"];
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; errors?: Problem["errors"] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FawkesError";
    this.code = code;
    this.status = statusOf(code);
    this.errors = options?.errors;
  }
}
