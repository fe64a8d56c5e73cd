/**
 * Stable error codes. Every code is documented in docs/errors.md; a test fails on an undocumented one.
 * Over HTTP they travel as RFC 9457 problem+json: { type, title, status, code, detail, errors? }.
 */
export const ErrorCode = {
  badRequest: "FAWKES_BAD_REQUEST",
  validation: "FAWKES_VALIDATION_FAILED",
  unauthorized: "FAWKES_UNAUTHORIZED",
  forbidden: "FAWKES_FORBIDDEN",
  notFound: "FAWKES_NOT_FOUND",
  pipelineNotFound: "FAWKES_PIPELINE_NOT_FOUND",
  runNotFound: "FAWKES_RUN_NOT_FOUND",
  stageNotFound: "FAWKES_STAGE_NOT_FOUND",
  jobNotFound: "FAWKES_JOB_NOT_FOUND",
  agentNotFound: "FAWKES_AGENT_NOT_FOUND",
  materialNotFound: "FAWKES_MATERIAL_NOT_FOUND",
  artifactNotFound: "FAWKES_ARTIFACT_NOT_FOUND",
  artifactPathConflict: "FAWKES_ARTIFACT_PATH_CONFLICT",
  pipelinePaused: "FAWKES_PIPELINE_PAUSED",
  pipelineLocked: "FAWKES_PIPELINE_LOCKED",
  stageNotAwaitingApproval: "FAWKES_STAGE_NOT_AWAITING_APPROVAL",
  approvalNotAllowed: "FAWKES_APPROVAL_NOT_ALLOWED",
  stageStillRunning: "FAWKES_STAGE_STILL_RUNNING",
  runAlreadyFinished: "FAWKES_RUN_ALREADY_FINISHED",
  invalidRevision: "FAWKES_INVALID_REVISION",
  undeclaredVariable: "FAWKES_UNDECLARED_VARIABLE",
  protocolVersion: "FAWKES_PROTOCOL_VERSION_UNSUPPORTED",
  leaseLost: "FAWKES_LEASE_LOST",
  agentNotEnabled: "FAWKES_AGENT_NOT_ENABLED",
  checksumMismatch: "FAWKES_CHECKSUM_MISMATCH",
  pathEscape: "FAWKES_PATH_ESCAPE",
  webhookSignature: "FAWKES_WEBHOOK_SIGNATURE_INVALID",
  webhookPayload: "FAWKES_WEBHOOK_PAYLOAD_INVALID",
  configInvalid: "FAWKES_CONFIG_INVALID",
  payloadTooLarge: "FAWKES_PAYLOAD_TOO_LARGE",
  dataDirInUse: "FAWKES_DATA_DIR_IN_USE",
  databaseUnavailable: "FAWKES_DATABASE_UNAVAILABLE",
  internal: "FAWKES_INTERNAL",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

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

/** An error with a stable code and an HTTP status; thrown by services, mapped to problem+json in one place. */
export class FawkesError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: Problem["errors"];
  constructor(
    code: ErrorCode,
    status: number,
    message: string,
    options?: { cause?: unknown; errors?: Problem["errors"] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FawkesError";
    this.code = code;
    this.status = status;
    this.errors = options?.errors;
  }
}
