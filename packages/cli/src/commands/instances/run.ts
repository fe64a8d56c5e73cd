/** The actions of `fawkes instances`: DescribeInstances, GetConsoleOutput and TerminateInstances. */
import {
  DescribeInstancesCommand,
  EC2Client,
  GetConsoleOutputCommand,
  TerminateInstancesCommand,
  type Instance,
} from "@aws-sdk/client-ec2";
import type { Command } from "commander";
import { ErrorCode } from "@fawkes/protocol/constants";
import {
  clientConfig,
  everyPage,
  resolveCloudConnection,
  type ClientOverrides,
} from "../../cloud-connection.ts";
import { awsCliError } from "../../cloud-errors.ts";
import { CliError } from "../../errors.ts";
import type { CliIo } from "../../io.ts";
import { printJson, printRows } from "../../output.ts";

interface JsonFlag {
  json?: boolean;
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

async function withEc2<T>(
  command: Command,
  io: CliIo,
  overrides: ClientOverrides,
  body: (client: EC2Client) => Promise<T>,
): Promise<T> {
  const client = new EC2Client(clientConfig(resolveCloudConnection(command, io, "ec2"), overrides));
  try {
    return await body(client);
  } finally {
    client.destroy();
  }
}

function checkIds(ids: string[]): void {
  const bad = ids.filter((id) => !INSTANCE_ID.test(id));
  if (bad.length > 0)
    throw new CliError(`not an instance id: ${bad.join(", ")}`, {
      code: ErrorCode.badRequest,
      hint: "instance ids look like i-0123456789abcdef0 (`fawkes instances list` shows them)",
    });
}

/** An instance as `--json` prints it. */
function instanceJson(instance: Instance) {
  const tags = Object.fromEntries((instance.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
  return {
    instanceId: instance.InstanceId ?? "",
    state: instance.State?.Name ?? "",
    ...(instance.PrivateIpAddress !== undefined && { privateIpAddress: instance.PrivateIpAddress }),
    ...(instance.PublicIpAddress !== undefined && { publicIpAddress: instance.PublicIpAddress }),
    ...(instance.InstanceType !== undefined && { instanceType: instance.InstanceType }),
    ...(instance.LaunchTime !== undefined && { launchTime: instance.LaunchTime.toISOString() }),
    ...(tags["aws:cloudformation:stack-name"] !== undefined && {
      stack: tags["aws:cloudformation:stack-name"],
    }),
    tags,
  };
}

export async function runList(
  io: CliIo,
  command: Command,
  flags: JsonFlag & { all?: boolean },
  overrides: ClientOverrides,
): Promise<void> {
  await withEc2(command, io, overrides, async (client) => {
    let reservations;
    try {
      reservations = await everyPage(
        (NextToken) => client.send(new DescribeInstancesCommand({ NextToken })),
        (page) => page.Reservations,
      );
    } catch (error) {
      throw awsCliError("cannot list instances", error);
    }
    const instances = reservations
      .flatMap((reservation) => reservation.Instances ?? [])
      .map(instanceJson)
      .filter((instance) => flags.all === true || instance.state !== "terminated");
    printRows(io, instances, {
      json: flags.json === true,
      empty: flags.all === true ? "no instances" : "no instances running",
      headers: ["instance id", "state", "address", "stack", "launched"],
      cells: (i) => [
        i.instanceId,
        i.state,
        i.privateIpAddress ?? "",
        i.stack ?? "",
        (i.launchTime ?? "").replace(/\.\d+Z$/, "Z"),
      ],
    });
  });
}

export async function runConsole(
  io: CliIo,
  command: Command,
  id: string,
  flags: JsonFlag,
  overrides: ClientOverrides,
): Promise<void> {
  checkIds([id]);
  await withEc2(command, io, overrides, async (client) => {
    let answer;
    try {
      answer = await client.send(new GetConsoleOutputCommand({ InstanceId: id, Latest: true }));
    } catch (error) {
      throw awsCliError(`cannot read the console output of ${id}`, error);
    }
    const output = Buffer.from(answer.Output ?? "", "base64").toString("utf8");
    if (flags.json === true)
      printJson(io, {
        instanceId: answer.InstanceId ?? id,
        ...(answer.Timestamp !== undefined && { timestamp: answer.Timestamp.toISOString() }),
        output,
      });
    else io.out(output.length === 0 || output.endsWith("\n") ? output : `${output}\n`);
  });
}

export async function runTerminate(
  io: CliIo,
  command: Command,
  ids: string[],
  flags: JsonFlag,
  overrides: ClientOverrides,
): Promise<void> {
  checkIds(ids);
  await withEc2(command, io, overrides, async (client) => {
    let answer;
    try {
      answer = await client.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    } catch (error) {
      throw awsCliError(`cannot terminate ${ids.join(", ")}`, error);
    }
    const changes = (answer.TerminatingInstances ?? []).map((change) => ({
      instanceId: change.InstanceId ?? "",
      previousState: change.PreviousState?.Name ?? "",
      currentState: change.CurrentState?.Name ?? "",
    }));
    if (flags.json === true) printJson(io, changes);
    else io.out(changes.map((c) => `${c.instanceId}: ${c.previousState} -> ${c.currentState}\n`).join(""));
  });
}
