/**
 * A service spoken in AWS's Query protocol (IAM, STS; later CloudFormation and EC2) on the cloud endpoint.
 * The endpoint authenticates the request, parses its form and renders the answer and errors in the service's
 * format; a service only maps an action and its parameters to the XML inside `<ActionResult>`.
 */
import type { AccessKey } from "../credentials.ts";
import type { ContextValue, EvaluationResult, Policy } from "../iam/index.ts";
import type { QueryParams } from "./params.ts";

/** Who signed a Query request, and how to ask whether they may do something. */
export interface QueryCaller {
  accessKey: AccessKey;
  sourceIp: string;
  /**
   * The IAM decision for `action` on `resource` with the caller's key (identity policies, boundary, session
   * policies), plus `resourcePolicy` when the resource has one.
   */
  decide(
    action: string,
    resource: string,
    options?: { context?: Record<string, ContextValue>; resourcePolicy?: Policy },
  ): EvaluationResult;
  /** `decide`, throwing AWS's `AccessDenied` (403) unless it allows. */
  authorize(action: string, resource: string, options?: { context?: Record<string, ContextValue> }): void;
}

export interface QueryRequest {
  action: string;
  params: QueryParams;
  /** Undefined only for the service's `unsignedActions`. */
  caller: QueryCaller | undefined;
  requestId: string;
  sourceIp: string;
}

export interface QueryService {
  /** The service name in the SigV4 credential scope: `iam`, `sts`. */
  readonly name: string;
  /** The namespace of its response documents, e.g. `https://sts.amazonaws.com/doc/2011-06-15/`. */
  readonly xmlns: string;
  /** `ec2`: answers without the `<ActionResult>` wrapper, the request id first (EC2's dialect). */
  readonly style?: "query" | "ec2";
  /** Actions AWS serves without a signature (STS `AssumeRoleWithWebIdentity`). */
  readonly unsignedActions?: ReadonlySet<string>;
  /**
   * Runs one action; returns the children of `<ActionResult>` (rendered XML), or `undefined` for actions whose
   * answer has no result element (IAM's `DeleteRole`). Throws AwsError for AWS's error codes
   * (an unknown action is `InvalidAction`).
   */
  handle(request: QueryRequest): Promise<string | undefined>;
}
