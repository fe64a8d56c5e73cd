/**
 * Resource signals over the suite's store, the real template engine and a real cloud endpoint (its CloudFormation
 * Query service and wait condition handle route): a `CreationPolicy` waits for Count distinct signals, fails on a
 * FAILURE signal, on its timeout and when its provider reports a failure (then rolls back); a wait condition
 * completes through its handle's URL and gives its Data; an instance signals with its identity and only its own
 * resource; `fawkes signal` runs as a subprocess against a metadata endpoint served here; a create left waiting
 * by a stopped server is failed and rolled back by the next start.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import test, { type TestContext } from "node:test";
import {
  cloudFormationService,
  localResourceTypes,
  memoryCredentialStore,
  resourceTypeRegistry,
  startCloudEndpoint,
  type CloudEndpoint,
  type StackBackend,
} from "@fawkes/cloud";
import { createMetadataHandler, type MetadataSource } from "@fawkes/protocol";
import { runCli, tempDir, testDatabase, waitFor } from "@fawkes/testing";
import pino from "pino";
import { SYSTEM_ACTOR } from "../../src/http/actor.ts";
import { instanceIdentityKey, signInstanceIdentity } from "../../src/instances/identity.ts";
import { stackBackend } from "../../src/stacks/backend.ts";
import { waitConditionProviders } from "../../src/stacks/local/wait-condition.ts";
import {
  providerRegistry,
  type ProviderContext,
  type ResourceProvider,
  type StackCaller,
} from "../../src/stacks/providers.ts";
import { StackEngine } from "../../src/stacks/stack-engine.ts";
import { openDatabase } from "../../src/store/db.ts";
import { stackSignals } from "../../src/store/stack-signals-repo.ts";

const caller: StackCaller = { origin: { actor: SYSTEM_ACTOR }, passer: SYSTEM_ACTOR, authorize: () => {} };

/** An instance-like type: its physical id is `InstanceId`; `failure` resolves when the test says it failed. */
class FakeInstances implements ResourceProvider {
  readonly type = "Test::Instance";
  readonly deleted: string[] = [];
  failed: ((reason: string) => void) | undefined;
  watching = 0;
  /** While set, creates wait for it (the instance is still booting). */
  hold: Promise<void> | undefined;
  creating = 0;
  physicalId = (props: Record<string, unknown>) => String(props.InstanceId);
  async create() {
    this.creating++;
    await this.hold;
    this.creating--;
    return {};
  }
  async delete(id: string) {
    this.deleted.push(id);
  }
  failure(_id: string, ctx: ProviderContext): Promise<string> {
    this.watching++;
    ctx.signal.addEventListener("abort", () => this.watching--, { once: true });
    return new Promise((resolve) => (this.failed = resolve));
  }
}

const types = resourceTypeRegistry([
  ...localResourceTypes.types().map((type) => localResourceTypes.get(type)!),
  { type: "Test::Instance", attributes: [], requiredProperties: ["InstanceId"], creationPolicy: true },
]);

const INSTANCE_A = "i-0a1b2c3d4e5f60718";
const INSTANCE_B = "i-0fedcba9876543210";

async function fixture(t: TestContext) {
  const dir = await tempDir(t, "fawkes-signals-");
  const dataKey = randomBytes(32);
  const database = await openDatabase((await testDatabase(t)) ?? path.join(dir, "fawkes.db"), { dataKey });
  t.after(() => database.close());
  const instances = new FakeInstances();
  const current: { engine?: StackEngine } = {};
  const live = () => current.engine!;
  const endpoint: CloudEndpoint = await startCloudEndpoint(
    {
      dataDir: dir,
      host: "127.0.0.1",
      port: 0,
      region: "us-east-1",
      lifecycleIntervalMs: 0,
      services: [
        cloudFormationService(
          new Proxy({} as StackBackend, {
            get: (_, key) => stackBackend(live(), Date.now)[key as keyof StackBackend],
          }),
        ),
      ],
      waitConditions: { receive: (request) => live().signals.receive(request) },
    },
    memoryCredentialStore([]),
  );
  t.after(() => endpoint.close());
  const engine = () => {
    const stacks = new StackEngine({
      db: database.db,
      dataKey,
      providers: providerRegistry([instances, ...waitConditionProviders(dataKey, () => endpoint.url)]),
      types,
      region: "us-east-1",
      accountId: "000000000000",
      now: Date.now,
      log: pino({ level: "silent" }),
    });
    current.engine = stacks;
    t.after(() => stacks.close());
    return stacks;
  };
  /** What the instance's metadata endpoint serves: its identity document, signed with the server's key. */
  const metadata = async (instanceId: string, sign = true) => {
    const source: MetadataSource = {
      instanceId,
      localIpv4: "127.100.0.7",
      publicIpv4: null,
      availabilityZone: "us-east-1a",
      region: "us-east-1",
      accountId: "000000000000",
      instanceType: "t3.micro",
      imageId: "ami-0123456789abcdef0",
      architecture: "x86_64",
      pendingTime: Date.now(),
      userData: null,
      credentials: async () => null,
      identitySignature: (document) =>
        sign ? signInstanceIdentity(instanceIdentityKey(dataKey), document) : "Zm9yZ2Vk",
    };
    const handler = createMetadataHandler(source);
    const server = createServer((req, res) => {
      void handler
        .handle({ method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers }, Date.now())
        .then((answer) => {
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  return { database, endpoint, instances, engine, metadata, dataKey };
}

const instanceTemplate = (policy: object, more: object = {}) =>
  JSON.stringify({
    Resources: {
      App: {
        Type: "Test::Instance",
        Properties: { InstanceId: INSTANCE_A },
        CreationPolicy: { ResourceSignal: policy },
      },
      Other: { Type: "Test::Instance", Properties: { InstanceId: INSTANCE_B } },
      ...more,
    },
  });

const create = (engine: StackEngine, name: string, templateBody: string) =>
  engine.create({ name, templateBody, parameters: {}, capabilities: [], caller });

/** The stack's status once its create ended (complete, or rolled back). */
async function settledStatus(engine: StackEngine, name: string): Promise<string> {
  const ended = ["CREATE_COMPLETE", "ROLLBACK_COMPLETE"];
  return waitFor(
    async () => {
      const stack = await engine.describe(name);
      return ended.includes(stack.status) ? stack.status : undefined;
    },
    { timeoutMs: 20_000, message: `stack ${name} reached one of ${ended.join(", ")}` },
  );
}

/** A handle and a wait condition on it with `wait`'s properties. */
const waitConditionTemplate = (wait: object, outputs?: object) =>
  JSON.stringify({
    Resources: {
      Handle: { Type: "AWS::CloudFormation::WaitConditionHandle" },
      Wait: {
        Type: "AWS::CloudFormation::WaitCondition",
        Properties: { Handle: { Ref: "Handle" }, ...wait },
      },
    },
    ...(outputs && { Outputs: outputs }),
  });

/** The reason of the resource's CREATE_FAILED event. */
const failureOf = async (engine: StackEngine, name: string, logicalId: string) =>
  (await engine.events(name)).find((e) => e.logicalId === logicalId && e.status === "CREATE_FAILED")
    ?.statusReason;

/** The handle's URL, once it is made. */
const handleOf = (engine: StackEngine, name: string) =>
  waitFor(async () => (await resourceOf(engine, name, "Handle"))?.physicalId ?? undefined, {
    timeoutMs: 10_000,
    message: "the handle is made",
  });

const resourceOf = async (engine: StackEngine, name: string, logicalId: string) =>
  (await engine.resources(name)).find((r) => r.logicalId === logicalId)!;

/** Until Other is made and App (made too) waits for its signals. */
const waitingFor = (engine: StackEngine, name: string) =>
  waitFor(
    async () =>
      ((await resourceOf(engine, name, "Other"))?.status === "CREATE_COMPLETE" &&
        (await resourceOf(engine, name, "App"))?.status === "CREATE_IN_PROGRESS") ||
      undefined,
    { timeoutMs: 10_000, message: "the stack reached its wait" },
  );

test("Count 2 needs two distinct UniqueIds; a repeated one counts once and is one event", async (t) => {
  const { engine } = await fixture(t);
  const stacks = engine();
  await create(stacks, "two", instanceTemplate({ Count: 2, Timeout: "PT1M" }));
  await waitingFor(stacks, "two");
  const signal = (uniqueId: string) =>
    stacks.signals.signalResource({ stack: "two", logicalId: "App", uniqueId, status: "SUCCESS" });
  await signal("first");
  await signal("first");
  assert.equal((await resourceOf(stacks, "two", "App")).status, "CREATE_IN_PROGRESS", "one signal of two");
  await signal("second");
  assert.equal(await settledStatus(stacks, "two"), "CREATE_COMPLETE");
  const received = (await stacks.events("two"))
    .filter((e) => e.logicalId === "App" && e.statusReason?.startsWith("Received"))
    .map((e) => `${e.status} ${e.statusReason}`)
    .reverse(); // events come newest first
  assert.deepEqual(received, [
    "CREATE_IN_PROGRESS Received SUCCESS signal with UniqueId first",
    "CREATE_IN_PROGRESS Received SUCCESS signal with UniqueId second",
  ]);
  await assert.rejects(signal("third"), /is in CREATE_COMPLETE state and can not be signaled/);
  await assert.rejects(
    stacks.signals.signalResource({ stack: "two", logicalId: "Other", uniqueId: "x", status: "SUCCESS" }),
    /is in CREATE_COMPLETE state/,
  );
  await assert.rejects(
    stacks.signals.signalResource({ stack: "nope", logicalId: "App", uniqueId: "x", status: "SUCCESS" }),
    /Stack with id nope does not exist/,
  );
});

test("a signal that came while the provider was still creating counts once the wait begins", async (t) => {
  const { engine, instances } = await fixture(t);
  const stacks = engine();
  let release = () => {};
  instances.hold = new Promise((resolve) => (release = resolve));
  await create(stacks, "early", instanceTemplate({ Timeout: "PT1M" }));
  await waitFor(() => instances.creating === 2 || undefined, {
    timeoutMs: 10_000,
    message: "both are creating",
  });
  await stacks.signals.signalResource({
    stack: "early",
    logicalId: "App",
    uniqueId: INSTANCE_A,
    status: "SUCCESS",
  });
  assert.equal(instances.watching, 0, "the wait has not begun");
  release();
  assert.equal(await settledStatus(stacks, "early"), "CREATE_COMPLETE");
});

test("a FAILURE signal fails the resource and rolls the stack back", async (t) => {
  const { engine, instances } = await fixture(t);
  const stacks = engine();
  await create(stacks, "failing", instanceTemplate({ Timeout: "PT1M" }));
  await waitingFor(stacks, "failing");
  await stacks.signals.signalResource({
    stack: "failing",
    logicalId: "App",
    uniqueId: INSTANCE_A,
    status: "FAILURE",
    reason: "no package for build 7",
  });
  assert.equal(await settledStatus(stacks, "failing"), "ROLLBACK_COMPLETE");
  assert.equal(
    await failureOf(stacks, "failing", "App"),
    `Received FAILURE signal with UniqueId ${INSTANCE_A}: no package for build 7`,
  );
  assert.deepEqual(instances.deleted.sort(), [INSTANCE_A, INSTANCE_B].sort(), "what was made is deleted");
  assert.equal(instances.watching, 0, "the provider's failure watch ended with the wait");
});

test("no signal within the Timeout fails the resource with CloudFormation's reason", async (t) => {
  const { engine } = await fixture(t);
  const stacks = engine();
  await create(stacks, "late", instanceTemplate({ Timeout: "PT1S" }));
  assert.equal(await settledStatus(stacks, "late"), "ROLLBACK_COMPLETE");
  assert.equal(
    await failureOf(stacks, "late", "App"),
    "Failed to receive 1 resource signal(s) within the specified duration",
  );
  await assert.rejects(
    stacks.signals.signalResource({ stack: "late", logicalId: "App", uniqueId: "x", status: "SUCCESS" }),
    /can not be signaled/,
    "a signal after the timeout is too late",
  );
});

test("the provider reporting a failure while it waits fails the resource with its reason", async (t) => {
  const { engine, instances } = await fixture(t);
  const stacks = engine();
  await create(stacks, "broken", instanceTemplate({ Timeout: "PT1M" }));
  await waitFor(() => instances.failed, { timeoutMs: 10_000, message: "the provider is watched" });
  instances.failed!("user data exited with status 3");
  assert.equal(await settledStatus(stacks, "broken"), "ROLLBACK_COMPLETE");
  assert.equal(await failureOf(stacks, "broken", "App"), "user data exited with status 3");
});

test("a wait condition completes by PUTs to its handle's URL and gives its Data to an output", async (t) => {
  const { engine, database } = await fixture(t);
  const stacks = engine();
  const stack = await create(
    stacks,
    "waiting",
    waitConditionTemplate(
      { Timeout: "60", Count: "2" },
      {
        Url: { Value: { Ref: "Handle" } },
        Data: { Value: { "Fn::GetAtt": ["Wait", "Data"] } },
      },
    ),
  );
  const handle = await handleOf(stacks, "waiting");
  assert.match(handle, /^http:\/\/127\.0\.0\.1:\d+\/_fawkes\/wait-condition\/.+\?Signature=/);
  const put = (url: string, body: string) => fetch(url, { method: "PUT", body });

  // Refused: a forged token, a URL of a handle that does not exist, a malformed body. Nothing is stored.
  const forged = handle.replace(/Signature=.*/, "Signature=AAAA");
  const denied = await put(
    forged,
    JSON.stringify({ Status: "SUCCESS", UniqueId: "x", Reason: "", Data: "" }),
  );
  assert.equal(denied.status, 403);
  assert.match(await denied.text(), /<Code>AccessDenied<\/Code>/);
  const other = handle.replace("/Handle?", "/Wait?");
  assert.equal((await put(other, JSON.stringify({ Status: "SUCCESS", UniqueId: "x" }))).status, 403);
  for (const [body, message] of [
    ["not json", /must be JSON/],
    [JSON.stringify({ Status: "DONE", UniqueId: "x" }), /Status must be SUCCESS or FAILURE/],
    [JSON.stringify({ Status: "SUCCESS" }), /UniqueId must be a string/],
  ] as const) {
    const bad = await put(handle, body);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), message);
  }
  assert.deepEqual(await stackSignals(database.db, stack.stackId, "Handle"), [], "nothing was stored");

  // The documented curl form: no Content-Type, the JSON as the body.
  const curl = spawn("curl", [
    "-sS",
    "-f",
    "-X",
    "PUT",
    "-H",
    "Content-Type:",
    "--data-binary",
    JSON.stringify({ Status: "SUCCESS", Reason: "built", UniqueId: "web-1", Data: "v1 is up" }),
    handle,
  ]);
  assert.equal(await new Promise((resolve) => curl.on("close", resolve)), 0, "curl's PUT is taken");
  assert.equal((await resourceOf(stacks, "waiting", "Wait")).status, "CREATE_IN_PROGRESS", "one of two");
  const second = await put(
    handle,
    JSON.stringify({ Status: "SUCCESS", Reason: "", UniqueId: "web-2", Data: "v2" }),
  );
  assert.equal(second.status, 200);
  assert.equal(await settledStatus(stacks, "waiting"), "CREATE_COMPLETE");
  const outputs = Object.fromEntries((await stacks.describe("waiting")).outputs.map((o) => [o.key, o.value]));
  assert.equal(outputs.Url, handle);
  assert.deepEqual(JSON.parse(outputs.Data!), { "web-1": "v1 is up", "web-2": "v2" });
  const events = (await stacks.events("waiting"))
    .filter((e) => e.statusReason?.startsWith("Received"))
    .reverse();
  assert.deepEqual(
    events.map((e) => [e.logicalId, e.statusReason]),
    [
      ["Wait", "Received SUCCESS signal with UniqueId web-1"],
      ["Wait", "Received SUCCESS signal with UniqueId web-2"],
    ],
  );
});

test("a wait condition fails on a FAILURE signal with CloudFormation's reason", async (t) => {
  const { engine } = await fixture(t);
  const stacks = engine();
  await create(stacks, "wc-fail", waitConditionTemplate({ Timeout: 60 }));
  const handle = await handleOf(stacks, "wc-fail");
  const answer = await fetch(handle, {
    method: "PUT",
    body: JSON.stringify({ Status: "FAILURE", Reason: "tests failed", UniqueId: "ci", Data: "" }),
  });
  assert.equal(answer.status, 200);
  assert.equal(await settledStatus(stacks, "wc-fail"), "ROLLBACK_COMPLETE");
  assert.equal(
    await failureOf(stacks, "wc-fail", "Wait"),
    "WaitCondition received failed message: 'tests failed' for uniqueId: ci",
  );
});

test("an instance signals with its identity, only its own resource; forged identities change nothing", async (t) => {
  const { engine, endpoint, database, metadata, dataKey } = await fixture(t);
  const stacks = engine();
  const stack = await create(stacks, "ident", instanceTemplate({ Timeout: "PT1M" }));
  await waitingFor(stacks, "ident");
  const signalAs = (fields: Record<string, string>) =>
    fetch(`${endpoint.url}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        Action: "SignalResource",
        StackName: "ident",
        LogicalResourceId: "App",
        UniqueId: "u1",
        Status: "SUCCESS",
        ...fields,
      }),
    });
  const documentOf = (instanceId: string) => JSON.stringify({ instanceId, region: "us-east-1" });
  const sign = (document: string) => signInstanceIdentity(instanceIdentityKey(dataKey), document);
  const refusals = [
    [{}, 403, /MissingAuthenticationToken/],
    [
      {
        InstanceIdentityDocument: documentOf(INSTANCE_A),
        InstanceIdentitySignature: sign(documentOf(INSTANCE_B)),
      },
      403,
      /AccessDenied.*signature is not valid/s,
    ],
    [
      {
        InstanceIdentityDocument: documentOf(INSTANCE_A),
        InstanceIdentitySignature: signInstanceIdentity(
          instanceIdentityKey(randomBytes(32)),
          documentOf(INSTANCE_A),
        ),
      },
      403,
      /AccessDenied/,
    ],
    // A real identity, of another instance (the stack's Other, and one of no stack).
    [
      {
        InstanceIdentityDocument: documentOf(INSTANCE_B),
        InstanceIdentitySignature: sign(documentOf(INSTANCE_B)),
      },
      403,
      /AccessDenied.*may signal only its own resource/s,
    ],
    [
      {
        InstanceIdentityDocument: documentOf("i-00000000000000001"),
        InstanceIdentitySignature: sign(documentOf("i-00000000000000001")),
      },
      403,
      /AccessDenied/,
    ],
    [
      {
        InstanceIdentityDocument: documentOf(INSTANCE_A),
        InstanceIdentitySignature: sign(documentOf(INSTANCE_A)),
        Status: "DONE",
      },
      400,
      /ValidationError/,
    ],
  ] as const;
  for (const [fields, status, body] of refusals) {
    const answer = await signalAs(fields);
    assert.equal(answer.status, status, JSON.stringify(fields));
    assert.match(await answer.text(), body);
  }
  assert.deepEqual(await stackSignals(database.db, stack.stackId, "App"), [], "nothing was recorded");
  assert.equal(
    (await stacks.events("ident")).filter((e) => e.statusReason?.startsWith("Received")).length,
    0,
    "and no event",
  );
  assert.equal((await resourceOf(stacks, "ident", "App")).status, "CREATE_IN_PROGRESS");

  // `fawkes signal` inside "instance B" may not signal App either; inside A it may, with no keys.
  const fawkesSignal = (metadataUrl: string, ...args: string[]) =>
    runCli(["signal", ...args], {
      env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: metadataUrl, AWS_ENDPOINT_URL: endpoint.url },
    });
  const asB = await fawkesSignal(await metadata(INSTANCE_B), "--stack", "ident", "--resource", "App");
  assert.notEqual(asB.code, 0);
  assert.match(
    asB.stderr,
    /403 AccessDenied\).*Instance i-0fedcba9876543210 may signal only its own resource/,
  );
  const unsigned = await fawkesSignal(
    await metadata(INSTANCE_A, false),
    "--stack",
    "ident",
    "--resource",
    "App",
  );
  assert.notEqual(unsigned.code, 0);
  assert.match(unsigned.stderr, /signature is not valid/);
  const unknown = await fawkesSignal(await metadata(INSTANCE_A), "--stack", "nope", "--resource", "App");
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /Stack with id nope does not exist/);
  const noResource = await fawkesSignal(await metadata(INSTANCE_A), "--stack", "ident", "--resource", "Nope");
  assert.notEqual(noResource.code, 0);
  assert.match(noResource.stderr, /ValidationError\).*Resource Nope does not exist for stack ident/);
  assert.deepEqual(await stackSignals(database.db, stack.stackId, "App"), []);

  const asA = await fawkesSignal(
    await metadata(INSTANCE_A),
    "-e",
    "0",
    "--stack",
    "ident",
    "--resource",
    "App",
  );
  assert.equal(asA.code, 0, asA.stderr);
  assert.equal(await settledStatus(stacks, "ident"), "CREATE_COMPLETE");
  const [stored] = await stackSignals(database.db, stack.stackId, "App");
  assert.equal(stored?.uniqueId, INSTANCE_A, "UniqueId defaults to the instance's id");
});

test("fawkes signal: a wait condition handle URL with cfn-signal's options, and clear refusals", async (t) => {
  const { engine, metadata, database } = await fixture(t);
  const stacks = engine();
  const stack = await create(
    stacks,
    "cli",
    waitConditionTemplate({ Timeout: 60 }, { Data: { Value: { "Fn::GetAtt": ["Wait", "Data"] } } }),
  );
  const handle = await handleOf(stacks, "cli");
  const outside = { AWS_EC2_METADATA_SERVICE_ENDPOINT: "", AWS_ENDPOINT_URL: "" };
  const notInInstance = await runCli(
    ["signal", "--stack", "cli", "--resource", "Wait", "--url", "http://127.0.0.1:9"],
    {
      env: outside,
    },
  );
  assert.notEqual(notInInstance.code, 0);
  assert.match(notInInstance.stderr, /not in an instance: AWS_EC2_METADATA_SERVICE_ENDPOINT is not set/);
  const both = await runCli(["signal", handle, "--stack", "cli", "--resource", "Wait"], { env: outside });
  assert.match(both.stderr, /either a wait condition handle URL or --stack and --resource/);
  const badFlag = await runCli(["signal", "-s", "maybe", handle], { env: outside });
  assert.match(badFlag.stderr, /--success must be true or false/);
  const forged = await runCli(["signal", handle.replace(/Signature=.*/, "Signature=x")], { env: outside });
  assert.notEqual(forged.code, 0);
  assert.match(forged.stderr, /403 AccessDenied/);
  assert.deepEqual(await stackSignals(database.db, stack.stackId, "Handle"), []);

  const sent = await runCli(["signal", "-s", "true", "-r", "deployed", "-d", "build 42", handle], {
    env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: await metadata(INSTANCE_A), AWS_ENDPOINT_URL: "" },
  });
  assert.equal(sent.code, 0, sent.stderr);
  assert.equal(await settledStatus(stacks, "cli"), "CREATE_COMPLETE");
  const data = (await stacks.describe("cli")).outputs.find((o) => o.key === "Data")?.value;
  assert.deepEqual(JSON.parse(data!), { [INSTANCE_A]: "build 42" });
  const [stored] = await stackSignals(database.db, stack.stackId, "Handle");
  assert.deepEqual([stored?.status, stored?.reason], ["SUCCESS", "deployed"]);
});

test("a create left waiting for signals by a stopped server is failed and rolled back by the next start", async (t) => {
  const { engine, instances } = await fixture(t);
  const first = engine();
  const stack = await create(first, "stopped", instanceTemplate({ Timeout: "PT1H" }));
  await waitingFor(first, "stopped");
  await waitFor(() => instances.watching === 1 || undefined, { timeoutMs: 10_000, message: "waiting" });
  await first.close();
  assert.equal((await first.describe("stopped")).status, "CREATE_IN_PROGRESS", "left as it was");
  assert.equal(instances.watching, 0, "the wait ended with the server");

  const second = engine();
  await second.start();
  await second.settled(stack.stackId);
  assert.equal((await second.describe("stopped")).status, "ROLLBACK_COMPLETE");
  assert.equal((await resourceOf(second, "stopped", "App")).status, "DELETE_COMPLETE");
  assert.ok(instances.deleted.includes(INSTANCE_A));
});
