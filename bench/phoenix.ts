/**
 * A phoenix deploy end to end (issue 15's Performance section): on a real `fawkes server` (as root), create a
 * stack with one instance whose user data starts a small Node HTTP server and signals once it answers, its
 * EIPAssociation moving the shared address to it; then delete the previous build's stack. Timed from CreateStack
 * to the previous stack's DELETE_COMPLETE, with the parts (create → signal, the move, the delete) from the stack
 * events' timestamps, and the floor measured in the same run: a bare `node -e` HTTP server's start to its first
 * answer. Run alone: `node bench/phoenix.ts [--quick]` (needs root).
 */
import { spawn } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type StackEvent,
} from "@aws-sdk/client-cloudformation";
import { ApiRoutes, type CreatedAccessKeyDto } from "@fawkes/protocol";
import { CleanupStack, startServerProcess } from "@fawkes/testing";
import { renderTable, type Figure } from "./lib/figures.ts";
import { machineInfo } from "./lib/proc.ts";
import { summarize } from "./lib/stats.ts";

/** The long-lived stack: the app's port and the address every build takes over (exported). */
const NETWORK = `Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress: [{ IpProtocol: tcp, FromPort: 8080, ToPort: 8080, CidrIp: 0.0.0.0/0 }]
  Address:
    Type: AWS::EC2::EIP
Outputs:
  GroupId: { Value: !Ref Web, Export: { Name: bench-web } }
  AllocationId: { Value: !GetAtt Address.AllocationId, Export: { Name: bench-address } }
  PublicIp: { Value: !Ref Address }
`;

/** The app: answers with its build number. */
const serverScript = (build: string): string =>
  `require("http").createServer((q, s) => s.end("${build}\\n")).listen(8080, "0.0.0.0")`;

function buildTemplate(build: number): string {
  const userData = [
    "#!/bin/sh",
    `${process.execPath} -e '${serverScript(`build ${build}`)}' &`,
    "until curl -sf -o /dev/null http://127.0.0.1:8080/; do sleep 0.01; done",
    `fawkes signal -e $? --stack app-${build} --resource AppServer`,
    "",
  ].join("\n");
  return JSON.stringify({
    Resources: {
      AppServer: {
        Type: "AWS::EC2::Instance",
        CreationPolicy: { ResourceSignal: { Count: 1, Timeout: "PT1M" } },
        Properties: {
          ImageId: "ami-20bd1f57",
          SecurityGroupIds: [{ "Fn::ImportValue": "bench-web" }],
          UserData: { "Fn::Base64": userData },
        },
      },
      AddressMove: {
        Type: "AWS::EC2::EIPAssociation",
        Properties: {
          AllocationId: { "Fn::ImportValue": "bench-address" },
          InstanceId: { Ref: "AppServer" },
        },
      },
    },
  });
}

/** GET `url` until it answers `body` (a fresh connection each time); throws after `timeoutMs`. */
async function answersWith(url: string, body: string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const text = await fetch(url, { headers: { connection: "close" } }).then(
      (response) => response.text(),
      () => "",
    );
    if (text === body) return;
    if (performance.now() > deadline) throw new Error(`${url} did not answer ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A bare `node -e` HTTP server: spawn to its first answer on loopback (ms). */
async function bareServerMs(): Promise<number> {
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port: free } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(free));
    });
  });
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ["-e", serverScript("bare").replace('8080, "0.0.0.0"', `${port}, "127.0.0.1"`)],
    { stdio: "ignore" },
  );
  try {
    await answersWith(`http://127.0.0.1:${port}/`, "bare\n");
    return performance.now() - started;
  } finally {
    child.kill("SIGKILL");
  }
}

/** Waits for the stack's operation to end (DescribeStacks of one stack waits for it on the cloud endpoint). */
async function settled(client: CloudFormationClient, stackId: string): Promise<string> {
  for (;;) {
    const [stack] = (await client.send(new DescribeStacksCommand({ StackName: stackId }))).Stacks ?? [];
    const status = stack?.StackStatus ?? "";
    if (!status.endsWith("_IN_PROGRESS")) return status;
  }
}

async function events(client: CloudFormationClient, stackId: string): Promise<StackEvent[]> {
  return (await client.send(new DescribeStackEventsCommand({ StackName: stackId }))).StackEvents ?? [];
}

const completedAt = (all: StackEvent[], logicalId: string): number => {
  const event = all.find((e) => e.LogicalResourceId === logicalId && e.ResourceStatus === "CREATE_COMPLETE");
  if (event?.Timestamp === undefined) throw new Error(`no CREATE_COMPLETE for ${logicalId}`);
  return event.Timestamp.getTime();
};

export async function benchPhoenix(options: { quick: boolean }): Promise<Omit<Figure, "summary">[]> {
  const runs = options.quick ? 3 : 7;
  const scope = new CleanupStack();
  try {
    const server = await startServerProcess(scope);
    const key = await server.api.post<CreatedAccessKeyDto>(ApiRoutes.credentials, {
      name: "bench",
      policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
    });
    const client = new CloudFormationClient({
      endpoint: server.cloudUrl,
      region: "us-east-1",
      credentials: key,
      maxAttempts: 1,
    });
    scope.after(() => client.destroy());
    const create = async (name: string, body: string): Promise<string> => {
      const { StackId } = await client.send(new CreateStackCommand({ StackName: name, TemplateBody: body }));
      const status = await settled(client, StackId!);
      if (status !== "CREATE_COMPLETE") {
        const reasons = (await events(client, StackId!)).map((e) => e.ResourceStatusReason).filter(Boolean);
        throw new Error(`${name}: ${status}: ${reasons.join("; ")}`);
      }
      return StackId!;
    };
    const networkId = await create("network", NETWORK);
    const [network] = (await client.send(new DescribeStacksCommand({ StackName: networkId }))).Stacks ?? [];
    const publicIp = network?.Outputs?.find((o) => o.OutputKey === "PublicIp")?.OutputValue;
    const url = `http://${publicIp}:8080/`;

    const floor: number[] = [];
    const total: number[] = [];
    const toSignal: number[] = [];
    const move: number[] = [];
    const remove: number[] = [];
    // Build 0 is the first deploy (nothing to retire): a warm-up, not timed.
    let previous = await create("app-0", buildTemplate(0));
    await answersWith(url, "build 0\n");
    for (let build = 1; build <= runs; build++) {
      floor.push(await bareServerMs());
      const startedAt = Date.now();
      const started = performance.now();
      const stackId = await create(`app-${build}`, buildTemplate(build));
      await answersWith(url, `build ${build}\n`);
      const deleting = performance.now();
      await client.send(new DeleteStackCommand({ StackName: previous }));
      const deleted = await settled(client, previous);
      if (deleted !== "DELETE_COMPLETE") throw new Error(`app-${build - 1}: ${deleted}`);
      const ended = performance.now();
      total.push(ended - started);
      remove.push(ended - deleting);
      const all = await events(client, stackId);
      const signalled = completedAt(all, "AppServer");
      toSignal.push(signalled - startedAt);
      move.push(completedAt(all, "AddressMove") - signalled);
      previous = stackId;
      console.log(
        `  build ${build}: ${total.at(-1)!.toFixed(0)} ms (create→signal ${toSignal.at(-1)!.toFixed(0)}, ` +
          `move ${move.at(-1)!.toFixed(0)}, delete ${remove.at(-1)!.toFixed(0)}); bare node ${floor.at(-1)!.toFixed(0)} ms`,
      );
    }
    const ratio = summarize(total).median / summarize(floor).median;
    const spread = (samples: number[]) => {
      const s = summarize(samples);
      return `min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)} ms`;
    };
    return [
      {
        id: "phoenix_deploy_ms",
        label: "phoenix deploy: create → signal → address moved → previous stack deleted",
        unit: "ms",
        samples: total,
        target: { max: 3000, text: "≤ 3 s (issue 15)" },
        peer: "minutes on EC2",
        note: `${spread(total)}; ${ratio.toFixed(1)}× the bare node server`,
      },
      {
        id: "phoenix_create_to_signal_ms",
        label: "  part: CreateStack → instance signalled",
        unit: "ms",
        samples: toSignal,
        target: null,
        peer: "—",
        note: spread(toSignal),
      },
      {
        id: "phoenix_move_ms",
        label: "  part: signal → address moved (EIPAssociation complete)",
        unit: "ms",
        samples: move,
        target: null,
        peer: "—",
        note: spread(move),
      },
      {
        id: "phoenix_delete_ms",
        label: "  part: previous stack deleted (instance terminated)",
        unit: "ms",
        samples: remove,
        target: null,
        peer: "—",
        note: spread(remove),
      },
      {
        id: "phoenix_floor_ms",
        label: "floor: bare `node -e` HTTP server, spawn → first answer",
        unit: "ms",
        samples: floor,
        target: null,
        peer: "—",
        note: spread(floor),
      },
    ];
  } finally {
    await scope.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
  const info = machineInfo();
  console.log(`nproc ${info.nproc}, ${info.cpu}, load ${info.loadavg}, node ${info.node}`);
  const figures = (await benchPhoenix({ quick: values.quick === true })).map((figure) => ({
    ...figure,
    summary: summarize(figure.samples),
  }));
  console.log(renderTable(figures));
  for (const figure of figures) if (figure.note) console.log(`  ${figure.label}: ${figure.note}`);
}
