/**
 * `fawkes stack delete NAME [--wait]` and `fawkes stack retire --prefix P --keep NAME [--wait]` (the workshop's
 * retire script: every live stack of a build prefix but the current one is deleted, and the command fails naming
 * any that was not).
 */
import { DeleteStackCommand, type CloudFormationClient, type Stack } from "@aws-sdk/client-cloudformation";
import type { Command } from "commander";
import { ErrorCode } from "@fawkes/protocol/constants";
import type { ClientOverrides, CloudConnection } from "../../cloud-connection.ts";
import { awsCliError, describeAwsError } from "../../cloud-errors.ts";
import { CliError } from "../../errors.ts";
import type { CliIo } from "../../io.ts";
import { printJson } from "../../output.ts";
import { eventsBefore, findStack, liveStacks, withCloudFormation } from "./client.ts";
import { waitForOperation } from "./follow.ts";

export interface DeleteFlags {
  wait?: boolean;
  json?: boolean;
}

export interface RetireFlags extends DeleteFlags {
  prefix: string;
  keep: string;
}

/** Asks for the deletion; with `wait`, follows it. Resolves with the stack's last status. */
async function deleteStack(
  io: CliIo,
  client: CloudFormationClient,
  connection: CloudConnection,
  stack: Stack,
  options: { wait: boolean; json: boolean; prefix?: string; silent?: boolean },
): Promise<string> {
  const name = stack.StackName ?? "";
  const stackId = stack.StackId ?? name;
  const seen = options.wait ? await eventsBefore(client, stackId) : new Set<string>();
  try {
    await client.send(new DeleteStackCommand({ StackName: stackId }));
  } catch (error) {
    throw awsCliError(`cannot delete stack ${name}`, error);
  }
  if (!options.wait) return "DELETE_IN_PROGRESS";
  const result = await waitForOperation(io, client, {
    name,
    stackId,
    seen,
    success: "DELETE_COMPLETE",
    json: options.json,
    provider: connection.provider,
    outputs: false,
    ...(options.prefix !== undefined && { prefix: options.prefix }),
    ...(options.silent === true && { silent: true }),
  });
  return result.status;
}

export async function runDelete(
  io: CliIo,
  command: Command,
  name: string,
  flags: DeleteFlags,
  overrides: ClientOverrides,
): Promise<void> {
  await withCloudFormation(command, io, overrides, async (client, connection) => {
    const stack = await findStack(client, name);
    if (stack === undefined || stack.StackStatus === "DELETE_COMPLETE") {
      // As DeleteStack itself: deleting what is not there succeeds.
      if (flags.json === true) printJson(io, { stack: name, deleted: false, message: "no such stack" });
      else io.out(`stack ${name} does not exist: nothing to delete\n`);
      return;
    }
    const wait = flags.wait === true;
    const status = await deleteStack(io, client, connection, stack, { wait, json: flags.json === true });
    if (!wait) {
      if (flags.json === true) printJson(io, { stackId: stack.StackId, status });
      else io.out(`deleting stack ${name} (\`fawkes stack events ${name} --follow\` follows it)\n`);
    }
  });
}

export async function runRetire(
  io: CliIo,
  command: Command,
  flags: RetireFlags,
  overrides: ClientOverrides,
): Promise<void> {
  if (flags.prefix === "")
    throw new CliError("--prefix must not be empty", {
      code: ErrorCode.badRequest,
      hint: "an empty prefix would retire every stack",
    });
  await withCloudFormation(command, io, overrides, async (client, connection) => {
    const stacks = await liveStacks(client);
    if (!stacks.some((stack) => stack.StackName === flags.keep))
      throw new CliError(`stack ${flags.keep} (--keep) does not exist: nothing retired`, {
        code: ErrorCode.stackNotFound,
        hint: "name the live stack to keep (`fawkes stack list` shows them)",
      });
    const retiring = stacks
      .filter(
        (stack) =>
          stack.StackName?.startsWith(flags.prefix) === true &&
          stack.StackName !== flags.keep &&
          stack.StackStatus !== "DELETE_COMPLETE",
      )
      .sort((a, b) => (a.StackName ?? "").localeCompare(b.StackName ?? ""));
    const json = flags.json === true;
    if (!json)
      io.out(
        retiring.length === 0
          ? `nothing to retire: no live stack but ${flags.keep} starts with ${flags.prefix}\n`
          : `retiring ${retiring.map((stack) => stack.StackName).join(", ")} (keeping ${flags.keep})\n`,
      );
    const outcomes = await Promise.all(
      retiring.map(async (stack) => {
        const name = stack.StackName ?? "";
        try {
          const status = await deleteStack(io, client, connection, stack, {
            wait: flags.wait === true,
            json: false,
            prefix: `${name}  `,
            silent: json,
          });
          if (!json) io.out(flags.wait === true ? `deleted: ${name}\n` : `deleting: ${name}\n`);
          return { name, status };
        } catch (error) {
          const reason = describeAwsError(error);
          if (!json) io.err(`not deleted: ${reason}\n`);
          return { name, status: "FAILED", reason };
        }
      }),
    );
    const failed = outcomes.filter((outcome) => outcome.reason !== undefined);
    if (json) printJson(io, { kept: flags.keep, retired: outcomes });
    if (failed.length > 0)
      throw new CliError(`stacks not retired: ${failed.map((outcome) => outcome.name).join(", ")}`, {
        hint: "`fawkes stack events NAME` shows why; run the same retire again once the cause is fixed",
      });
  });
}
