/**
 * The CloudFormation client of `fawkes stack`, and the SDK's stacks and events as the CLI prints them (text and
 * `--json` alike).
 */
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type Stack,
  type StackEvent,
} from "@aws-sdk/client-cloudformation";
import type { Command } from "commander";
import {
  clientConfig,
  everyPage,
  resolveCloudConnection,
  type ClientOverrides,
  type CloudConnection,
} from "../../cloud-connection.ts";
import { awsCliError, awsErrorCode } from "../../cloud-errors.ts";
import type { CliIo } from "../../io.ts";

export interface StackOutput {
  key: string;
  value: string;
  description?: string;
  exportName?: string;
}

/** A stack as `--json` prints it. */
export interface StackJson {
  name: string;
  stackId: string;
  status: string;
  statusReason?: string;
  description?: string;
  createdAt?: string;
  updatedAt?: string;
  deletedAt?: string;
  parameters: Record<string, string>;
  outputs: StackOutput[];
  capabilities: string[];
  tags: Record<string, string>;
  disableRollback: boolean;
}

/** An event as `--json` prints it. */
export interface EventJson {
  eventId: string;
  timestamp: string;
  logicalId: string;
  physicalId?: string;
  type: string;
  status: string;
  reason?: string;
}

const iso = (date: Date | undefined) => (date === undefined ? undefined : date.toISOString());

/** Drops undefined members, so JSON output has no `"x": null` noise and the types stay exact. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function stackJson(stack: Stack): StackJson {
  return defined({
    name: stack.StackName ?? "",
    stackId: stack.StackId ?? "",
    status: stack.StackStatus ?? "",
    statusReason: stack.StackStatusReason,
    description: stack.Description,
    createdAt: iso(stack.CreationTime),
    updatedAt: iso(stack.LastUpdatedTime),
    deletedAt: iso(stack.DeletionTime),
    parameters: Object.fromEntries(
      (stack.Parameters ?? []).map((p) => [p.ParameterKey ?? "", p.ParameterValue ?? ""]),
    ),
    outputs: (stack.Outputs ?? []).map((o) =>
      defined({
        key: o.OutputKey ?? "",
        value: o.OutputValue ?? "",
        description: o.Description,
        exportName: o.ExportName,
      }),
    ),
    capabilities: stack.Capabilities ?? [],
    tags: Object.fromEntries((stack.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
    disableRollback: stack.DisableRollback ?? false,
  });
}

export function eventJson(event: StackEvent): EventJson {
  return defined({
    eventId: event.EventId ?? "",
    timestamp: iso(event.Timestamp) ?? "",
    logicalId: event.LogicalResourceId ?? "",
    physicalId: event.PhysicalResourceId || undefined,
    type: event.ResourceType ?? "",
    status: event.ResourceStatus ?? "",
    reason: event.ResourceStatusReason,
  });
}

/** `2026-12-07T21:00:01Z  CREATE_FAILED  Releases  AWS::S3::Bucket  reason` */
export function eventLine(event: EventJson): string {
  const time = event.timestamp.replace(/\.\d+Z$/, "Z");
  const reason = event.reason ? `  ${event.reason}` : "";
  return `${time}  ${event.status.padEnd(20)}  ${event.logicalId.padEnd(20)}  ${event.type}${reason}\n`;
}

/** Runs `body` with a client for this invocation and releases its sockets afterwards. */
export async function withCloudFormation<T>(
  command: Command,
  io: CliIo,
  overrides: ClientOverrides,
  body: (client: CloudFormationClient, connection: CloudConnection) => Promise<T>,
): Promise<T> {
  const connection = resolveCloudConnection(command, io, "cloudformation");
  const client = new CloudFormationClient(clientConfig(connection, overrides));
  try {
    return await body(client, connection);
  } finally {
    client.destroy();
  }
}

/** One stack, by name (live) or ARN (any); undefined when there is none. */
export async function findStack(client: CloudFormationClient, nameOrId: string): Promise<Stack | undefined> {
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: nameOrId }));
    return Stacks?.[0];
  } catch (error) {
    if (awsErrorCode(error) === "ValidationError" && /does not exist/.test((error as Error).message))
      return undefined;
    throw awsCliError(`cannot describe stack ${nameOrId}`, error);
  }
}

/** Every live stack (DescribeStacks without a name, every page). */
export async function liveStacks(client: CloudFormationClient): Promise<Stack[]> {
  try {
    return await everyPage(
      (NextToken) => client.send(new DescribeStacksCommand({ NextToken })),
      (page) => page.Stacks,
    );
  } catch (error) {
    throw awsCliError("cannot list stacks", error);
  }
}

/**
 * A stack's events, newest first, down to (not including) the first one in `seen` — every page (at most
 * `maxPages`) when `seen` is empty.
 */
export async function eventsSince(
  client: CloudFormationClient,
  stackId: string,
  seen: ReadonlySet<string>,
  maxPages = Infinity,
): Promise<StackEvent[]> {
  const events: StackEvent[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    if (pages++ === maxPages) break;
    const page = await client.send(new DescribeStackEventsCommand({ StackName: stackId, NextToken: token }));
    for (const event of page.StackEvents ?? []) {
      if (seen.has(event.EventId ?? "")) return events;
      events.push(event);
    }
    token = page.NextToken;
  } while (token);
  return events;
}

/**
 * The events a stack has before an operation starts (they are not the operation's): the newest page is enough,
 * as `eventsSince` stops at the first event it has seen.
 */
export async function eventsBefore(client: CloudFormationClient, stackId: string): Promise<Set<string>> {
  try {
    return new Set((await eventsSince(client, stackId, new Set(), 1)).map((event) => event.EventId ?? ""));
  } catch (error) {
    throw awsCliError(`cannot read the events of ${stackId}`, error);
  }
}
