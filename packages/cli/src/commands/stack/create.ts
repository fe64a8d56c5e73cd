/**
 * `fawkes stack create NAME --template FILE …` and `fawkes stack update NAME …`: CreateStack and UpdateStack with
 * the template file's text, then (with `--wait`) the operation followed live to its end. Template errors name the
 * FILE with line and column (the server names the text it was sent `TemplateBody`).
 */
import { readFileSync } from "node:fs";
import {
  CreateStackCommand,
  UpdateStackCommand,
  type Capability,
  type CloudFormationClient,
  type Parameter,
  type Tag,
} from "@aws-sdk/client-cloudformation";
import type { Command } from "commander";
import { ErrorCode } from "@fawkes/protocol/constants";
import type { ClientOverrides, CloudConnection } from "../../cloud-connection.ts";
import { awsCliError, awsErrorCode } from "../../cloud-errors.ts";
import { CliError } from "../../errors.ts";
import type { CliIo } from "../../io.ts";
import { printJson } from "../../output.ts";
import { eventsBefore, findStack, withCloudFormation } from "./client.ts";
import { waitForOperation } from "./follow.ts";

export interface StackInputFlags {
  template?: string;
  parameter?: string[];
  capabilities?: string[];
  tag?: string[];
  disableRollback?: boolean;
  wait?: boolean;
  json?: boolean;
}

export interface UpdateFlags extends StackInputFlags {
  usePreviousTemplate?: boolean;
}

const NO_UPDATES = "No updates are to be performed.";

function splitKeyValue(pair: string): [string, string] {
  const at = pair.indexOf("=");
  return [pair.slice(0, at), pair.slice(at + 1)];
}

function readTemplate(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (cause) {
    throw new CliError(`cannot read template ${file}: ${(cause as Error).message}`, {
      code: ErrorCode.badRequest,
      cause,
    });
  }
}

/**
 * The request members create and update share. Empty lists are left out: the Query protocol would send
 * `Tags=`, which on UpdateStack removes the stack's tags.
 */
function stackRequest(flags: StackInputFlags): {
  Parameters?: Parameter[];
  Capabilities?: Capability[];
  Tags?: Tag[];
  DisableRollback?: boolean;
} {
  const pairs = (values: string[] | undefined) => (values ?? []).map(splitKeyValue);
  const parameters = pairs(flags.parameter).map(([key, value]) => ({
    ParameterKey: key,
    ParameterValue: value,
  }));
  const tags = pairs(flags.tag).map(([key, value]) => ({ Key: key, Value: value }));
  return {
    ...(parameters.length > 0 && { Parameters: parameters }),
    ...(flags.capabilities !== undefined && { Capabilities: flags.capabilities as Capability[] }),
    ...(tags.length > 0 && { Tags: tags }),
    ...(flags.disableRollback === true && { DisableRollback: true }),
  };
}

/** A refused create or update; a template error names the file, line and column. */
function stackError(what: string, error: unknown, file: string | undefined): CliError {
  const message = (error as Error).message ?? "";
  if (awsErrorCode(error) !== "ValidationError" || !message.startsWith("Template format error"))
    return awsCliError(what, error);
  const problems = message
    .replace(/^Template format error: /, "")
    .replaceAll(/\bTemplateBody(?=:\d+:\d+)/g, () => file ?? "TemplateBody");
  return new CliError(`${what}: the template is invalid:\n${problems}`, {
    code: ErrorCode.templateInvalid,
    cause: error,
    hint: "fix the template and run the command again: nothing was created or changed",
  });
}

export async function runCreate(
  io: CliIo,
  command: Command,
  name: string,
  flags: StackInputFlags,
  overrides: ClientOverrides,
): Promise<void> {
  if (flags.template === undefined)
    throw new CliError("stack create needs --template FILE", { code: ErrorCode.badRequest });
  const templateBody = readTemplate(flags.template);
  await withCloudFormation(command, io, overrides, async (client, connection) => {
    let stackId: string;
    try {
      const created = await client.send(
        new CreateStackCommand({ StackName: name, TemplateBody: templateBody, ...stackRequest(flags) }),
      );
      stackId = created.StackId ?? name;
    } catch (error) {
      throw stackError(`cannot create stack ${name}`, error, flags.template);
    }
    await finish(io, client, connection, flags, {
      name,
      stackId,
      seen: new Set(),
      success: "CREATE_COMPLETE",
    });
  });
}

export async function runUpdate(
  io: CliIo,
  command: Command,
  name: string,
  flags: UpdateFlags,
  overrides: ClientOverrides,
): Promise<void> {
  if ((flags.template === undefined) === (flags.usePreviousTemplate !== true))
    throw new CliError("stack update needs either --template FILE or --use-previous-template", {
      code: ErrorCode.badRequest,
    });
  const templateBody = flags.template === undefined ? undefined : readTemplate(flags.template);
  await withCloudFormation(command, io, overrides, async (client, connection) => {
    const current = await findStack(client, name);
    if (current?.StackId === undefined)
      throw new CliError(`stack ${name} does not exist`, {
        code: ErrorCode.stackNotFound,
        hint: `create it with \`fawkes stack create ${name} --template FILE\``,
      });
    const stackId = current.StackId;
    // Events up to now are not the update's: the newest page is enough to tell them apart.
    const seen = await eventsBefore(client, stackId);
    const request = stackRequest(flags);
    if (flags.usePreviousTemplate === true) {
      const parameters = request.Parameters ?? [];
      const given = new Set(parameters.map((p) => p.ParameterKey));
      for (const previous of current.Parameters ?? [])
        if (!given.has(previous.ParameterKey))
          parameters.push({ ParameterKey: previous.ParameterKey, UsePreviousValue: true });
      if (parameters.length > 0) request.Parameters = parameters;
    }
    try {
      await client.send(
        new UpdateStackCommand({
          StackName: name,
          ...(templateBody === undefined ? { UsePreviousTemplate: true } : { TemplateBody: templateBody }),
          ...request,
        }),
      );
    } catch (error) {
      if (awsErrorCode(error) === "ValidationError" && (error as Error).message.includes(NO_UPDATES)) {
        if (flags.json === true) printJson(io, { stackId, updated: false, message: NO_UPDATES });
        else io.out(`${NO_UPDATES}\n`);
        return;
      }
      throw stackError(`cannot update stack ${name}`, error, flags.template);
    }
    await finish(io, client, connection, flags, { name, stackId, seen, success: "UPDATE_COMPLETE" });
  });
}

/** Without `--wait` the stack's ARN (the operation goes on in the background); with it, the operation's end. */
async function finish(
  io: CliIo,
  client: CloudFormationClient,
  connection: CloudConnection,
  flags: StackInputFlags,
  operation: { name: string; stackId: string; seen: Set<string>; success: string },
): Promise<void> {
  if (flags.wait !== true) {
    if (flags.json === true) printJson(io, { stackId: operation.stackId });
    else io.out(`${operation.stackId}\n`);
    return;
  }
  await waitForOperation(io, client, {
    ...operation,
    json: flags.json === true,
    provider: connection.provider,
    outputs: true,
  });
}
