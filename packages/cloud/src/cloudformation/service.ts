/**
 * CloudFormation's Query API on the cloud endpoint (`aws cloudformation …`, the SDK's CloudFormationClient):
 * create, update, delete, describe (stacks, events, resources), list, validate and get a template. The stacks themselves
 * are the server's (`StackBackend`); this maps actions, parameters, answers and errors to AWS's wire format.
 * Each action is authorised with the caller's key on the stack's ARN, and the stack's resources are then made
 * with the caller's rights. awscli's waiters poll every 30 s, so DescribeStacks of one stack waits (boundedly)
 * for an operation in progress to end before it answers.
 */
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { AwsError } from "../aws-error.ts";
import { keyPrincipal } from "../iam/key-decision.ts";
import { invalidAction } from "../query/handle.ts";
import { validationError, type QueryParams } from "../query/params.ts";
import type { QueryCaller, QueryRequest, QueryService } from "../query/service.ts";
import { el, text } from "../s3/xml.ts";
import { isoSeconds } from "../sts/service.ts";
import type { TemplateSummary } from "../stacks/template/index.ts";

export const CLOUDFORMATION_XMLNS = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

export interface StackView {
  stackId: string;
  name: string;
  status: string;
  statusReason: string | null;
  description: string | null;
  parameters: Record<string, string>;
  outputs: { key: string; value: string; description?: string; exportName?: string }[];
  capabilities: string[];
  tags: { key: string; value: string }[];
  disableRollback: boolean;
  createdAt: number;
  updatedAt: number | null;
  deletedAt: number | null;
}

export interface StackEventView {
  eventId: string;
  stackId: string;
  stackName: string;
  logicalId: string;
  physicalId: string | null;
  type: string;
  status: string;
  statusReason: string | null;
  at: number;
}

export interface StackResourceView {
  stackId: string;
  stackName: string;
  logicalId: string;
  physicalId: string | null;
  type: string;
  status: string;
  statusReason: string | null;
  updatedAt: number;
}

/** The server's stacks as this API needs them. Errors are FawkesErrors (stack not found, busy…). */
export interface StackBackend {
  validate(templateBody: string): TemplateSummary;
  create(input: {
    name: string;
    templateBody: string;
    parameters: Record<string, string>;
    capabilities: string[];
    disableRollback: boolean;
    tags: { key: string; value: string }[];
    caller: QueryCaller;
  }): Promise<{ stackId: string }>;
  /**
   * Updates a stack: a new template (or the current one with `usePreviousTemplate`), new values (and the names
   * of those that keep their current one). Refuses one that changes nothing.
   */
  update(input: {
    nameOrId: string;
    templateBody?: string;
    usePreviousTemplate: boolean;
    parameters: Record<string, string>;
    usePreviousValues: string[];
    capabilities: string[];
    caller: QueryCaller;
  }): Promise<{ stackId: string }>;
  delete(nameOrId: string, caller: QueryCaller): Promise<void>;
  /** One stack (live by name, any by ARN), waiting at most `waitMs` for an operation in progress to end. */
  describe(nameOrId: string, waitMs: number): Promise<StackView>;
  /** Live stacks (and those deleted in the last 90 days with `includeDeleted`). */
  list(options: { includeDeleted: boolean }): Promise<StackView[]>;
  events(nameOrId: string): Promise<StackEventView[]>;
  resources(nameOrId: string): Promise<StackResourceView[]>;
  template(nameOrId: string): Promise<string>;
  /**
   * SignalResource: a signal for a resource whose creation policy waits for it. A signed caller was authorised
   * (`cloudformation:SignalResource` on the stack); an unsigned one carries its instance's `identity` (the
   * metadata endpoint's document and signature), and may signal only the resource that is that instance.
   */
  signal(input: {
    stack: string;
    logicalId: string;
    uniqueId: string;
    status: "SUCCESS" | "FAILURE";
    identity?: { document: string; signature: string };
  }): Promise<void>;
}

export interface CloudFormationOptions {
  /** How long DescribeStacks of one stack waits for its operation to end. @default 25_000 */
  describeWaitMs?: number;
}

const MAX_TEMPLATE_BODY = 51_200;

/** FawkesErrors of the stack engine as CloudFormation's error codes. */
function asAwsError(error: unknown): unknown {
  if (!(error instanceof FawkesError)) return error;
  switch (error.code) {
    case ErrorCode.stackAlreadyExists:
      return new AwsError("AlreadyExistsException", 400, error.message);
    case ErrorCode.insufficientCapabilities:
      return new AwsError("InsufficientCapabilitiesException", 400, error.message);
    case ErrorCode.templateInvalid:
      return validationError(`Template format error: ${error.message}`);
    case ErrorCode.stackNotFound:
    case ErrorCode.stackBusy:
    case ErrorCode.stackSignalRefused:
    case ErrorCode.stackNoUpdates:
    case ErrorCode.illegalTransition:
      return validationError(error.message);
    case ErrorCode.forbidden:
      return new AwsError("AccessDenied", 403, error.message);
    default:
      return error;
  }
}

const member = (...children: string[]) => el("member", ...children);

/** A stack's times and status, as DescribeStacks and ListStacks both give them. */
function stackStateXml(stack: StackView): string {
  return [
    text("CreationTime", isoSeconds(stack.createdAt)),
    text("LastUpdatedTime", stack.updatedAt === null ? undefined : isoSeconds(stack.updatedAt)),
    text("DeletionTime", stack.deletedAt === null ? undefined : isoSeconds(stack.deletedAt)),
    text("StackStatus", stack.status),
    text("StackStatusReason", stack.statusReason ?? undefined),
  ].join("");
}

function stackXml(stack: StackView): string {
  return member(
    text("StackId", stack.stackId),
    text("StackName", stack.name),
    text("Description", stack.description ?? undefined),
    el(
      "Parameters",
      ...Object.entries(stack.parameters).map(([key, value]) =>
        member(text("ParameterKey", key), text("ParameterValue", value)),
      ),
    ),
    stackStateXml(stack),
    text("DisableRollback", stack.disableRollback),
    el(
      "Outputs",
      ...stack.outputs.map((output) =>
        member(
          text("OutputKey", output.key),
          text("OutputValue", output.value),
          text("Description", output.description),
          text("ExportName", output.exportName),
        ),
      ),
    ),
    el("Capabilities", ...stack.capabilities.map((capability) => text("member", capability))),
    el("Tags", ...stack.tags.map((tag) => member(text("Key", tag.key), text("Value", tag.value)))),
  );
}

function eventXml(event: StackEventView): string {
  return member(
    text("StackId", event.stackId),
    text("EventId", event.eventId),
    text("StackName", event.stackName),
    text("LogicalResourceId", event.logicalId),
    text("PhysicalResourceId", event.physicalId ?? ""),
    text("ResourceType", event.type),
    text("Timestamp", new Date(event.at).toISOString()),
    text("ResourceStatus", event.status),
    text("ResourceStatusReason", event.statusReason ?? undefined),
  );
}

function resourceXml(resource: StackResourceView, detail: "summary" | "full"): string {
  return member(
    ...(detail === "full" ? [text("StackId", resource.stackId), text("StackName", resource.stackName)] : []),
    text("LogicalResourceId", resource.logicalId),
    text("PhysicalResourceId", resource.physicalId ?? undefined),
    text("ResourceType", resource.type),
    text(
      detail === "full" ? "Timestamp" : "LastUpdatedTimestamp",
      new Date(resource.updatedAt).toISOString(),
    ),
    text("ResourceStatus", resource.status),
    text("ResourceStatusReason", resource.statusReason ?? undefined),
  );
}

function templateBodyOf(params: QueryParams): string {
  if (params.get("TemplateURL") !== undefined)
    throw validationError(
      "TemplateURL is not supported here: pass the template as TemplateBody (--template-body file://…)",
    );
  const body = params.required("TemplateBody");
  if (body.length > MAX_TEMPLATE_BODY)
    throw validationError(
      `1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TEMPLATE_BODY}`,
    );
  return body;
}

/** `Parameters.member.N`: the values given, and (for an update) the keys that keep their previous value. */
function parametersOf(
  params: QueryParams,
  operation: "create" | "update" = "create",
): { values: Record<string, string>; usePrevious: string[] } {
  const values: Record<string, string> = {};
  const usePrevious: string[] = [];
  for (const parameter of params.structures("Parameters")) {
    const key = parameter.ParameterKey;
    if (!key) throw validationError("Parameters: every parameter needs a ParameterKey");
    if (parameter.UsePreviousValue === "true") {
      if (operation === "create")
        throw validationError(`Parameters: UsePreviousValue is only for updates (parameter ${key})`);
      if (parameter.ParameterValue !== undefined)
        throw validationError(
          `Invalid input for parameter key ${key}. Cannot specify usePreviousValue as true and non empty value for a parameter`,
        );
      usePrevious.push(key);
    } else values[key] = parameter.ParameterValue ?? "";
  }
  return { values, usePrevious };
}

/** SignalResource's parameters, validated as AWS does. */
function signalOf(params: QueryParams) {
  const status = params.required("Status");
  if (status !== "SUCCESS" && status !== "FAILURE")
    throw validationError(
      `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [SUCCESS, FAILURE]`,
    );
  const uniqueId = params.required("UniqueId");
  if (uniqueId.length > 64)
    throw validationError(
      "1 validation error detected: Value at 'uniqueId' failed to satisfy constraint: Member must have length less than or equal to 64",
    );
  return {
    stack: params.required("StackName"),
    logicalId: params.required("LogicalResourceId"),
    uniqueId,
    status: status as "SUCCESS" | "FAILURE",
  };
}

/**
 * Unsigned SignalResource (`fawkes signal` inside an instance): the form fields `InstanceIdentityDocument` and
 * `InstanceIdentitySignature` carry what the instance's metadata endpoint serves; the server verifies them.
 */
async function unsignedSignal(backend: StackBackend, params: QueryParams): Promise<undefined> {
  const document = params.get("InstanceIdentityDocument");
  const signature = params.get("InstanceIdentitySignature");
  if (!document || !signature)
    throw new AwsError(
      "MissingAuthenticationToken",
      403,
      "Request is missing Authentication Token: an unsigned SignalResource must carry InstanceIdentityDocument and InstanceIdentitySignature (fawkes signal sends them from inside an instance)",
    );
  await backend.signal({ ...signalOf(params), identity: { document, signature } });
  return undefined;
}

export function cloudFormationService(
  backend: StackBackend,
  options: CloudFormationOptions = {},
): QueryService {
  const describeWaitMs = options.describeWaitMs ?? 25_000;
  const account = (caller: QueryCaller) => keyPrincipal(caller.accessKey).account ?? "000000000000";
  const region = "us-east-1";
  const stackArn = (caller: QueryCaller, nameOrId: string) =>
    nameOrId.startsWith("arn:")
      ? nameOrId
      : `arn:aws:cloudformation:${region}:${account(caller)}:stack/${nameOrId}/*`;

  const handlers: Record<string, (params: QueryParams, caller: QueryCaller) => Promise<string | undefined>> =
    {
      async CreateStack(params, caller) {
        const name = params.required("StackName");
        caller.authorize("cloudformation:CreateStack", stackArn(caller, name));
        const onFailure = params.get("OnFailure");
        if (onFailure !== undefined && onFailure !== "ROLLBACK" && onFailure !== "DO_NOTHING")
          throw validationError(`OnFailure ${onFailure} is not supported (ROLLBACK or DO_NOTHING)`);
        const { stackId } = await backend.create({
          name,
          templateBody: templateBodyOf(params),
          parameters: parametersOf(params).values,
          capabilities: params.list("Capabilities"),
          disableRollback: params.get("DisableRollback") === "true" || onFailure === "DO_NOTHING",
          tags: Object.entries(params.tags()).map(([key, value]) => ({ key, value })),
          caller,
        });
        return text("StackId", stackId);
      },
      async UpdateStack(params, caller) {
        const name = params.required("StackName");
        caller.authorize("cloudformation:UpdateStack", stackArn(caller, name));
        const usePreviousTemplate = params.get("UsePreviousTemplate") === "true";
        if (usePreviousTemplate && params.get("TemplateBody") !== undefined)
          throw validationError("You cannot specify both usePreviousTemplate and Template Body/Template URL");
        if (
          !usePreviousTemplate &&
          params.get("TemplateBody") === undefined &&
          params.get("TemplateURL") === undefined
        )
          throw validationError("Either Template URL or Template Body must be specified.");
        const { values, usePrevious } = parametersOf(params, "update");
        const { stackId } = await backend.update({
          nameOrId: name,
          ...(!usePreviousTemplate && { templateBody: templateBodyOf(params) }),
          usePreviousTemplate,
          parameters: values,
          usePreviousValues: usePrevious,
          capabilities: params.list("Capabilities"),
          caller,
        });
        return text("StackId", stackId);
      },
      async DeleteStack(params, caller) {
        const name = params.required("StackName");
        caller.authorize("cloudformation:DeleteStack", stackArn(caller, name));
        await backend.delete(name, caller);
        return undefined;
      },
      async DescribeStacks(params, caller) {
        const name = params.get("StackName");
        caller.authorize("cloudformation:DescribeStacks", name === undefined ? "*" : stackArn(caller, name));
        const stacks =
          name === undefined
            ? await backend.list({ includeDeleted: false })
            : [await backend.describe(name, describeWaitMs)];
        return el("Stacks", ...stacks.map(stackXml));
      },
      async ListStacks(params, caller) {
        caller.authorize("cloudformation:ListStacks", "*");
        const filter = new Set(params.list("StackStatusFilter"));
        const stacks = (await backend.list({ includeDeleted: true })).filter(
          (stack) => filter.size === 0 || filter.has(stack.status),
        );
        return el(
          "StackSummaries",
          ...stacks.map((stack) =>
            member(
              text("StackId", stack.stackId),
              text("StackName", stack.name),
              text("TemplateDescription", stack.description ?? undefined),
              stackStateXml(stack),
            ),
          ),
        );
      },
      async DescribeStackEvents(params, caller) {
        const name = params.required("StackName");
        caller.authorize("cloudformation:DescribeStackEvents", stackArn(caller, name));
        return el("StackEvents", ...(await backend.events(name)).map(eventXml));
      },
      async DescribeStackResources(params, caller) {
        const name = params.required("StackName");
        caller.authorize("cloudformation:DescribeStackResources", stackArn(caller, name));
        const logicalId = params.get("LogicalResourceId");
        const resources = (await backend.resources(name)).filter(
          (resource) => logicalId === undefined || resource.logicalId === logicalId,
        );
        return el("StackResources", ...resources.map((resource) => resourceXml(resource, "full")));
      },
      async ListStackResources(params, caller) {
        const name = params.required("StackName");
        caller.authorize("cloudformation:ListStackResources", stackArn(caller, name));
        const resources = await backend.resources(name);
        return el("StackResourceSummaries", ...resources.map((resource) => resourceXml(resource, "summary")));
      },
      async GetTemplate(params, caller) {
        const name = params.required("StackName");
        caller.authorize("cloudformation:GetTemplate", stackArn(caller, name));
        return (
          text("TemplateBody", await backend.template(name)) +
          el("StagesAvailable", text("member", "Original"), text("member", "Processed"))
        );
      },
      async SignalResource(params, caller) {
        const signal = signalOf(params);
        caller.authorize("cloudformation:SignalResource", stackArn(caller, signal.stack));
        await backend.signal(signal);
        return undefined;
      },
      async ValidateTemplate(params, caller) {
        caller.authorize("cloudformation:ValidateTemplate", "*");
        const summary = backend.validate(templateBodyOf(params));
        return [
          el(
            "Parameters",
            ...summary.Parameters.map((parameter) =>
              member(
                text("ParameterKey", parameter.ParameterKey),
                text("DefaultValue", parameter.DefaultValue),
                text("NoEcho", parameter.NoEcho),
                text("Description", parameter.Description),
              ),
            ),
          ),
          text("Description", summary.Description),
          el("Capabilities", ...summary.Capabilities.map((capability) => text("member", capability))),
          text("CapabilitiesReason", summary.CapabilitiesReason),
        ].join("");
      },
    };

  return {
    name: "cloudformation",
    xmlns: CLOUDFORMATION_XMLNS,
    unsignedActions: new Set(["SignalResource"]),
    async handle(request: QueryRequest) {
      const handler = Object.hasOwn(handlers, request.action) ? handlers[request.action] : undefined;
      if (!handler) throw invalidAction("cloudformation", request.action);
      try {
        if (!request.caller) {
          if (request.action !== "SignalResource") throw invalidAction("cloudformation", request.action);
          return await unsignedSignal(backend, request.params);
        }
        return await handler(request.params, request.caller);
      } catch (error) {
        throw asAwsError(error);
      }
    },
  };
}
