/**
 * Following a stack operation live: DescribeStacks of one stack long-polls on the Fawkes cloud endpoint (it
 * answers when the operation ends, or after 25 s), and while it is in flight the stack's new events are fetched
 * every `pollMs` and handed over oldest first. AWS answers DescribeStacks at once, so there each round lasts at
 * least `pollMs`.
 */
import { setTimeout as delay } from "node:timers/promises";
import { DescribeStacksCommand, type CloudFormationClient, type Stack } from "@aws-sdk/client-cloudformation";
import { awsCliError } from "../../cloud-errors.ts";
import { CliError } from "../../errors.ts";
import type { CliIo } from "../../io.ts";
import { printJson } from "../../output.ts";
import { eventJson, eventLine, eventsSince, stackJson, type EventJson, type StackJson } from "./client.ts";

export interface FollowOptions {
  /** The stack's ARN: it still names the stack once it is deleted. */
  stackId: string;
  /** Events already shown (or older than the operation); grows as events are handed over. */
  seen: Set<string>;
  onEvent(event: EventJson): void;
  pollMs: number;
}

export const isInProgress = (status: string | undefined) => status?.endsWith("_IN_PROGRESS") === true;

/** Follows the stack until no operation is in progress; resolves with its last description. */
export async function followStack(client: CloudFormationClient, options: FollowOptions): Promise<Stack> {
  const { stackId, seen, onEvent, pollMs } = options;
  const showNew = async () => {
    let events;
    try {
      events = await eventsSince(client, stackId, seen);
    } catch (error) {
      throw awsCliError(`cannot read the events of ${stackId}`, error);
    }
    for (const event of events.reverse()) {
      seen.add(event.EventId ?? "");
      onEvent(eventJson(event));
    }
  };
  for (;;) {
    const started = Date.now();
    let settled = false;
    const described = client.send(new DescribeStacksCommand({ StackName: stackId })).finally(() => {
      settled = true;
    });
    described.catch(() => undefined); // awaited below; a failure of showNew must not leave it unhandled
    while (!settled) {
      await showNew();
      await pause(pollMs, described);
    }
    let stack: Stack | undefined;
    try {
      stack = (await described).Stacks?.[0];
    } catch (error) {
      throw awsCliError(`cannot describe stack ${stackId}`, error);
    }
    await showNew();
    if (stack === undefined) throw new CliError(`stack ${stackId} is gone`);
    if (!isInProgress(stack.StackStatus)) return stack;
    const elapsed = Date.now() - started;
    if (elapsed < pollMs) await delay(pollMs - elapsed);
  }
}

/** Waits `ms`, or less when `until` settles first; leaves no timer behind (it would hold the process open). */
async function pause(ms: number, until: Promise<unknown>): Promise<void> {
  const cancel = new AbortController();
  void until.finally(() => cancel.abort()).catch(() => undefined);
  await delay(ms, undefined, { signal: cancel.signal }).catch(() => undefined);
}

/** The interval between polls: short on the local endpoint, polite on AWS. */
export function pollIntervalMs(provider: "local" | "aws"): number {
  return provider === "aws" ? 5000 : 1000;
}

export interface WaitOptions {
  name: string;
  stackId: string;
  seen: Set<string>;
  /** The status that means the operation succeeded (CREATE_COMPLETE, UPDATE_COMPLETE, DELETE_COMPLETE). */
  success: string;
  json: boolean;
  provider: "local" | "aws";
  /** Print the outputs at the end (create and update). */
  outputs: boolean;
  /** Put before every event line (retire follows several stacks at once). */
  prefix?: string;
  /** Print nothing (retire --json prints one summary). */
  silent?: boolean;
}

/**
 * `--wait`: prints the operation's events as they come, then the outputs; with `--json` one object at the end
 * (`{stack, events}`). Throws (exit 1) when the operation ends in anything but `success`, naming the first
 * resource that failed.
 */
export async function waitForOperation(
  io: CliIo,
  client: CloudFormationClient,
  options: WaitOptions,
): Promise<StackJson> {
  const events: EventJson[] = [];
  const stack = await followStack(client, {
    stackId: options.stackId,
    seen: options.seen,
    pollMs: pollIntervalMs(options.provider),
    onEvent: (event) => {
      events.push(event);
      if (!options.json && options.silent !== true) io.out(`${options.prefix ?? ""}${eventLine(event)}`);
    },
  });
  const result = stackJson(stack);
  const succeeded = result.status === options.success;
  if (options.silent === true) {
    // the caller reports
  } else if (options.json) printJson(io, { stack: result, events });
  else if (succeeded && options.prefix === undefined) {
    io.out(`stack ${options.name}: ${result.status}\n`);
    if (options.outputs && result.outputs.length > 0)
      io.out(`Outputs:\n${result.outputs.map((o) => `  ${o.key}=${o.value}\n`).join("")}`);
  }
  if (!succeeded) {
    const failed = events.find(
      (e) => e.status.endsWith("_FAILED") && e.reason && e.logicalId !== options.name,
    );
    const why = failed
      ? `${failed.logicalId} (${failed.type}): ${failed.reason}`
      : (result.statusReason ?? "no reason given");
    throw new CliError(`stack ${options.name} ended in ${result.status}: ${why}`, {
      hint: `\`fawkes stack events ${options.name}\` lists every event`,
    });
  }
  return result;
}
