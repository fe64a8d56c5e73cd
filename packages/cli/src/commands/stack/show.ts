/**
 * `fawkes stack describe|events|outputs|list`: what DescribeStacks, DescribeStackResources, DescribeStackEvents
 * and ListStacks answer, as text or `--json`.
 */
import {
  DescribeStackResourcesCommand,
  ListStacksCommand,
  type CloudFormationClient,
  type Stack,
  type StackSummary,
} from "@aws-sdk/client-cloudformation";
import type { Command } from "commander";
import { ErrorCode } from "@fawkes/protocol/constants";
import { everyPage, type ClientOverrides } from "../../cloud-connection.ts";
import { awsCliError } from "../../cloud-errors.ts";
import { CliError } from "../../errors.ts";
import type { CliIo } from "../../io.ts";
import { formatTable, printJson, printRows } from "../../output.ts";
import {
  eventJson,
  eventLine,
  eventsSince,
  findStack,
  liveStacks,
  stackJson,
  withCloudFormation,
  type EventJson,
} from "./client.ts";
import { followStack, isInProgress, pollIntervalMs } from "./follow.ts";

interface JsonFlag {
  json?: boolean;
}

async function requireStack(client: CloudFormationClient, name: string): Promise<Stack> {
  const stack = await findStack(client, name);
  if (stack === undefined)
    throw new CliError(`stack ${name} does not exist`, {
      code: ErrorCode.stackNotFound,
      hint: "`fawkes stack list` shows the live stacks (`--all` also the deleted ones)",
    });
  return stack;
}

export async function runDescribe(
  io: CliIo,
  command: Command,
  name: string,
  flags: JsonFlag,
  overrides: ClientOverrides,
): Promise<void> {
  await withCloudFormation(command, io, overrides, async (client) => {
    const stack = stackJson(await requireStack(client, name));
    let resources;
    try {
      resources = (
        (await client.send(new DescribeStackResourcesCommand({ StackName: stack.stackId }))).StackResources ??
        []
      ).map((r) => ({
        logicalId: r.LogicalResourceId ?? "",
        physicalId: r.PhysicalResourceId ?? "",
        type: r.ResourceType ?? "",
        status: r.ResourceStatus ?? "",
        ...(r.ResourceStatusReason !== undefined && { reason: r.ResourceStatusReason }),
      }));
    } catch (error) {
      throw awsCliError(`cannot describe the resources of ${name}`, error);
    }
    if (flags.json === true) {
      printJson(io, { ...stack, resources });
      return;
    }
    const lines = [
      `Stack:       ${stack.name}`,
      `Id:          ${stack.stackId}`,
      `Status:      ${stack.status}${stack.statusReason ? ` (${stack.statusReason})` : ""}`,
      ...(stack.description ? [`Description: ${stack.description}`] : []),
      ...(stack.createdAt ? [`Created:     ${stack.createdAt}`] : []),
      ...(stack.updatedAt ? [`Updated:     ${stack.updatedAt}`] : []),
      ...(stack.deletedAt ? [`Deleted:     ${stack.deletedAt}`] : []),
    ];
    const section = (title: string, entries: string[]) =>
      entries.length === 0 ? [] : [`${title}:`, ...entries.map((entry) => `  ${entry}`)];
    lines.push(
      ...section(
        "Parameters",
        Object.entries(stack.parameters).map(([key, value]) => `${key}=${value}`),
      ),
      ...section(
        "Outputs",
        stack.outputs.map((o) => `${o.key}=${o.value}${o.description ? `  (${o.description})` : ""}`),
      ),
      ...section("Capabilities", stack.capabilities),
      ...section(
        "Tags",
        Object.entries(stack.tags).map(([key, value]) => `${key}=${value}`),
      ),
    );
    io.out(`${lines.join("\n")}\n`);
    if (resources.length > 0)
      io.out(
        `Resources:\n${formatTable(
          ["logical id", "type", "physical id", "status"],
          resources.map((r) => [r.logicalId, r.type, r.physicalId, r.status]),
        )}`,
      );
  });
}

export async function runOutputs(
  io: CliIo,
  command: Command,
  name: string,
  flags: JsonFlag,
  overrides: ClientOverrides,
): Promise<void> {
  await withCloudFormation(command, io, overrides, async (client) => {
    const { outputs } = stackJson(await requireStack(client, name));
    if (flags.json === true) printJson(io, Object.fromEntries(outputs.map((o) => [o.key, o.value])));
    else io.out(outputs.map((o) => `${o.key}=${o.value}\n`).join(""));
  });
}

export async function runEvents(
  io: CliIo,
  command: Command,
  name: string,
  flags: JsonFlag & { follow?: boolean },
  overrides: ClientOverrides,
): Promise<void> {
  await withCloudFormation(command, io, overrides, async (client, connection) => {
    const stack = await requireStack(client, name);
    const stackId = stack.StackId ?? name;
    let events: EventJson[];
    try {
      events = (await eventsSince(client, stackId, new Set())).reverse().map(eventJson);
    } catch (error) {
      throw awsCliError(`cannot read the events of ${name}`, error);
    }
    const follow = flags.follow === true && isInProgress(stack.StackStatus);
    const json = flags.json === true;
    if (json && !flags.follow) printJson(io, events);
    else for (const event of events) io.out(json ? `${JSON.stringify(event)}\n` : eventLine(event));
    if (!follow) return;
    await followStack(client, {
      stackId,
      seen: new Set(events.map((event) => event.eventId)),
      pollMs: pollIntervalMs(connection.provider),
      onEvent: (event) => io.out(json ? `${JSON.stringify(event)}\n` : eventLine(event)),
    });
  });
}

export async function runList(
  io: CliIo,
  command: Command,
  flags: JsonFlag & { all?: boolean },
  overrides: ClientOverrides,
): Promise<void> {
  await withCloudFormation(command, io, overrides, async (client) => {
    const rows =
      flags.all === true
        ? (await everyStack(client)).map((s) => ({
            name: s.StackName ?? "",
            status: s.StackStatus ?? "",
            createdAt: s.CreationTime?.toISOString() ?? "",
            ...(s.DeletionTime !== undefined && { deletedAt: s.DeletionTime.toISOString() }),
            stackId: s.StackId ?? "",
          }))
        : (await liveStacks(client)).map((s) => ({
            name: s.StackName ?? "",
            status: s.StackStatus ?? "",
            createdAt: s.CreationTime?.toISOString() ?? "",
            stackId: s.StackId ?? "",
          }));
    printRows(io, rows, {
      json: flags.json === true,
      empty: flags.all === true ? "no stacks" : "no live stacks",
      headers: ["name", "status", "created"],
      cells: (row) => [row.name, row.status, row.createdAt.replace(/\.\d+Z$/, "Z")],
    });
  });
}

/** ListStacks: live stacks and those deleted in the last 90 days, every page. */
async function everyStack(client: CloudFormationClient): Promise<StackSummary[]> {
  try {
    return await everyPage(
      (NextToken) => client.send(new ListStacksCommand({ NextToken })),
      (page) => page.StackSummaries,
    );
  } catch (error) {
    throw awsCliError("cannot list stacks", error);
  }
}
