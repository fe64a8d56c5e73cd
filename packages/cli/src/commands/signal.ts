/**
 * `fawkes signal`, compatible with `cfn-signal`'s options: tells a stack that a resource is ready (or failed).
 * - `fawkes signal [-s true|false] [-e N] [-r R] [-d D] [-i ID] URL`: a `PUT` of the JSON signal to a wait
 *   condition handle's URL (the URL is its own credential).
 * - `fawkes signal [-s|-e] [-i ID] --stack S --resource R [--url ENDPOINT]`: CloudFormation's SignalResource on
 *   the cloud endpoint. Inside a phoenix instance it needs no keys: it sends the instance identity document and
 *   signature its metadata endpoint serves, and the server lets an instance signal only its own resource.
 * UniqueId defaults to the instance's id. Exit code 0 once the signal is stored, non-zero otherwise.
 */
import { hostname } from "node:os";
import { ErrorCode } from "@fawkes/protocol/constants";
import { METADATA_ENDPOINT, MetadataHeader } from "@fawkes/protocol/imds";
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { nonEmpty } from "../context.ts";
import { CliError } from "../errors.ts";
import type { CliIo } from "../io.ts";

interface SignalOptions {
  success?: string;
  exitCode?: string;
  reason?: string;
  data?: string;
  id?: string;
  stack?: string;
  resource?: string;
  region?: string;
  url?: string;
}

const TIMEOUT_MS = 30_000;

function statusOf(options: SignalOptions): "SUCCESS" | "FAILURE" {
  if (options.exitCode !== undefined) {
    if (!/^-?\d+$/.test(options.exitCode))
      throw new CliError(`--exit-code must be a number, not ${JSON.stringify(options.exitCode)}`, {
        code: ErrorCode.badRequest,
      });
    return Number(options.exitCode) === 0 ? "SUCCESS" : "FAILURE";
  }
  const success = (options.success ?? "true").toLowerCase();
  if (success !== "true" && success !== "false")
    throw new CliError(`--success must be true or false, not ${JSON.stringify(options.success)}`, {
      code: ErrorCode.badRequest,
    });
  return success === "true" ? "SUCCESS" : "FAILURE";
}

/** The identity document and signature of the instance this runs in (IMDSv2), or undefined outside one. */
async function instanceIdentity(
  io: CliIo,
): Promise<{ document: string; signature: string; instanceId: string } | undefined> {
  const endpoint = nonEmpty(io.env[METADATA_ENDPOINT])?.replace(/\/+$/, "");
  if (endpoint === undefined) return undefined;
  const fail = (what: string, cause?: unknown) =>
    new CliError(`cannot read the instance identity from the metadata endpoint ${endpoint}: ${what}`, {
      code: ErrorCode.badGateway,
      hint: "fawkes signal reads it as an instance's process; the metadata endpoint serves only its own instance",
      cause,
    });
  try {
    const tokenAnswer = await fetch(`${endpoint}/latest/api/token`, {
      method: "PUT",
      headers: { [MetadataHeader.ttl]: "60" },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!tokenAnswer.ok) throw fail(`token request answered ${tokenAnswer.status}`);
    const token = await tokenAnswer.text();
    const read = async (path: string) => {
      const answer = await fetch(`${endpoint}/latest/dynamic/instance-identity/${path}`, {
        headers: { [MetadataHeader.token]: token },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!answer.ok) throw fail(`${path} answered ${answer.status}`);
      return answer.text();
    };
    const document = await read("document");
    const signature = await read("signature");
    const { instanceId } = JSON.parse(document) as { instanceId?: unknown };
    if (typeof instanceId !== "string") throw fail("the identity document names no instanceId");
    return { document, signature, instanceId };
  } catch (error) {
    throw error instanceof CliError ? error : fail((error as Error).message, error);
  }
}

/** AWS's error answer (`<Code>`, `<Message>`) as a CLI error. */
async function refusal(answer: Response, to: string): Promise<CliError> {
  const body = await answer.text();
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  const unescape = (text: string) =>
    text
      .replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">")
      .replaceAll("&quot;", '"')
      .replaceAll("&apos;", "'")
      .replaceAll("&amp;", "&");
  return new CliError(
    `${to} refused the signal (${answer.status}${code ? ` ${code}` : ""}): ${message ? unescape(message) : body.slice(0, 200)}`,
    {
      code: answer.status === 403 ? ErrorCode.forbidden : ErrorCode.badRequest,
      status: answer.status,
    },
  );
}

async function send(url: string, init: RequestInit, to: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (cause) {
    throw new CliError(`cannot reach ${to}: ${(cause as Error).message}`, {
      code: ErrorCode.badGateway,
      cause,
    });
  }
}

async function signalHandle(io: CliIo, handleUrl: string, options: SignalOptions): Promise<void> {
  try {
    new URL(handleUrl);
  } catch (cause) {
    throw new CliError(`${JSON.stringify(handleUrl)} is not a wait condition handle URL`, {
      code: ErrorCode.badRequest,
      hint: "pass the handle's URL (its Ref), quoted",
      cause,
    });
  }
  const status = statusOf(options);
  const uniqueId = options.id ?? (await instanceIdentity(io))?.instanceId ?? hostname();
  const body = JSON.stringify({
    Status: status,
    Reason: options.reason ?? (status === "SUCCESS" ? "Configuration Complete" : "Configuration failed"),
    UniqueId: uniqueId,
    Data: options.data ?? "",
  });
  const answer = await send(
    handleUrl,
    { method: "PUT", headers: { "content-type": "" }, body },
    "the wait condition handle",
  );
  if (!answer.ok) throw await refusal(answer, "the wait condition handle");
}

async function signalResource(io: CliIo, options: SignalOptions & { stack: string; resource: string }) {
  if (options.data !== undefined)
    throw new CliError("--data goes with a wait condition handle URL; SignalResource carries no data", {
      code: ErrorCode.badRequest,
    });
  const endpoint = (options.url ?? nonEmpty(io.env.AWS_ENDPOINT_URL))?.replace(/\/+$/, "");
  if (endpoint === undefined)
    throw new CliError("no cloud endpoint: pass --url or set AWS_ENDPOINT_URL", {
      code: ErrorCode.badRequest,
      hint: "inside a phoenix instance AWS_ENDPOINT_URL is set; elsewhere pass the server's cloud endpoint",
    });
  const status = statusOf(options);
  const identity = await instanceIdentity(io);
  if (!identity)
    throw new CliError(
      `not in an instance: ${METADATA_ENDPOINT} is not set, so there is no instance identity to sign with`,
      {
        code: ErrorCode.badRequest,
        hint: "run it inside a phoenix instance, or signal with keys: aws cloudformation signal-resource",
      },
    );
  const form = new URLSearchParams({
    Action: "SignalResource",
    Version: "2010-05-15",
    StackName: options.stack,
    LogicalResourceId: options.resource,
    UniqueId: options.id ?? identity.instanceId,
    Status: status,
    InstanceIdentityDocument: identity.document,
    InstanceIdentitySignature: identity.signature,
  });
  const answer = await send(
    `${endpoint}/`,
    { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form },
    `the cloud endpoint ${endpoint}`,
  );
  if (!answer.ok) throw await refusal(answer, `the cloud endpoint ${endpoint}`);
}

export function registerSignalCommand(program: Command, { io }: CliContext): void {
  program
    .command("signal")
    .description(
      "tell a stack a resource is ready or failed (cfn-signal's options): to a wait condition handle URL, or --stack/--resource from inside an instance",
    )
    .argument("[handle-url]", "a wait condition handle's URL (its Ref)")
    .option("-s, --success <bool>", "true sends SUCCESS, false FAILURE", "true")
    .option(
      "-e, --exit-code <n>",
      "a command's exit code: 0 sends SUCCESS, anything else FAILURE (wins over -s)",
    )
    .option("-r, --reason <text>", "the reason, shown in the stack's events")
    .option("-d, --data <text>", "data for the wait condition's Data attribute (handle URL only)")
    .option("-i, --id <unique-id>", "the signal's UniqueId (default: the instance's id, else the host name)")
    .option("--stack <name>", "the stack (name or ARN) of the resource to signal")
    .option("--resource <logical-id>", "the logical id of the resource to signal (with --stack)")
    .option("--region <region>", "accepted for cfn-signal compatibility (the endpoint has one region)")
    .option("--url <endpoint>", "the cloud endpoint for --stack/--resource (default: $AWS_ENDPOINT_URL)")
    .action(async (handleUrl: string | undefined, options: SignalOptions) => {
      if (handleUrl !== undefined && (options.stack !== undefined || options.resource !== undefined))
        throw new CliError("give either a wait condition handle URL or --stack and --resource, not both", {
          code: ErrorCode.badRequest,
        });
      if (handleUrl !== undefined) return signalHandle(io, handleUrl, options);
      if (options.stack === undefined || options.resource === undefined)
        throw new CliError("nothing to signal: give a wait condition handle URL, or --stack and --resource", {
          code: ErrorCode.badRequest,
          hint: "e.g. fawkes signal -e $? --stack app-42 --resource AppServer",
        });
      return signalResource(io, { ...options, stack: options.stack, resource: options.resource });
    });
}
