/**
 * UpdateStack in the stack engine, over the suite's store (SQLite, or PostgreSQL with FAWKES_TEST_STORE) and
 * test providers that keep their "world" in memory: resources added, removed, changed in place and replaced
 * (the new one made before the old one goes), unchanged ones left alone, independent ones in parallel, outputs
 * recomputed; refusals that write nothing; a failure rolled back to exactly the old state; an update (or its
 * cleanup) a stopped server left finished by the next start; UsePreviousValue; DeletionPolicy changes; the real
 * IAM and network providers' updates in place and their rollback.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import path from "node:path";
import test, { type TestContext } from "node:test";
import { localResourceTypes, resourceTypeRegistry } from "@fawkes/cloud";
import { ErrorCode } from "@fawkes/protocol";
import { tempDir, testDatabase, waitFor, serviceTrustPolicy } from "@fawkes/testing";
import pino from "pino";
import { SYSTEM_ACTOR } from "../../src/http/actor.ts";
import { Identity } from "../../src/identity/iam-store.ts";
import { iamProviders } from "../../src/stacks/local/iam.ts";
import { networkProviders } from "../../src/stacks/local/network.ts";
import {
  providerRegistry,
  type ProviderContext,
  type ResourceProperties,
  type ResourceProvider,
  type StackCaller,
} from "../../src/stacks/providers.ts";
import { StackEngine } from "../../src/stacks/stack-engine.ts";
import { openDatabase } from "../../src/store/db.ts";

const caller: StackCaller = { origin: { actor: SYSTEM_ACTOR }, passer: SYSTEM_ACTOR, authorize: () => {} };

/**
 * Resources kept in `live` (physical id → properties). `Fail: true` fails a create or update; `Hold: true` waits
 * on `hold` (or the server's close), `HoldDelete: true` a delete. `Name` is a custom name (the physical id). Without `inPlace` the type has no update: every change replaces.
 */
class World implements ResourceProvider {
  readonly live = new Map<string, ResourceProperties>();
  readonly log: string[] = [];
  /** Physical ids whose delete fails. */
  readonly failDeletes = new Set<string>();
  hold: Promise<void> | undefined;
  holding = 0;
  #next = 0;
  readonly replacedBy = ["Key"];
  readonly type: string;
  readonly update?: ResourceProvider["update"];

  constructor(type: string, inPlace: boolean) {
    this.type = type;
    if (inPlace)
      this.update = async (id, _old, props, ctx) => {
        await this.#gate(id, props, ctx);
        this.live.set(id, props);
        this.log.push(`update ${id}`);
        return this.#attributes(id, props);
      };
  }

  physicalId = (props: ResourceProperties, ctx: { logicalId: string }) =>
    typeof props.Name === "string" ? props.Name : `${ctx.logicalId}-${++this.#next}`;

  async create(id: string, props: ResourceProperties, ctx: ProviderContext) {
    await this.#gate(id, props, ctx);
    this.live.set(id, props);
    this.log.push(`create ${id}`);
    return this.#attributes(id, props);
  }

  async delete(id: string, props: ResourceProperties, ctx: ProviderContext) {
    if (props.HoldDelete) await this.#gate(id, { Hold: true }, ctx);
    if (this.failDeletes.has(id)) throw new Error(`${id} will not go`);
    this.live.delete(id);
    this.log.push(`delete ${id}`);
  }

  #attributes = (id: string, props: ResourceProperties) => ({ Name: id, Value: props.Value ?? "" });

  async #gate(id: string, props: ResourceProperties, ctx: ProviderContext) {
    if (props.Hold && this.hold) {
      this.holding++;
      try {
        await Promise.race([
          this.hold,
          new Promise((_, reject) =>
            ctx.signal.addEventListener("abort", () => reject(new Error("aborted"))),
          ),
        ]);
      } finally {
        this.holding--;
      }
    }
    if (props.Fail) throw new Error(`${id} was told to fail`);
  }
}

const types = resourceTypeRegistry([
  ...localResourceTypes.types().map((type) => localResourceTypes.get(type)!),
  { type: "Test::Item", attributes: ["Name", "Value"], requiredProperties: [] },
  { type: "Test::Machine", attributes: ["Name", "Value"], requiredProperties: [] },
]);

async function fixture(t: TestContext) {
  const dir = await tempDir(t, "fawkes-stack-update-");
  const dataKey = randomBytes(32);
  const database = await openDatabase((await testDatabase(t)) ?? path.join(dir, "fawkes.db"), { dataKey });
  t.after(() => database.close());
  const items = new World("Test::Item", true);
  const machines = new World("Test::Machine", false);
  const identity = new Identity(database.db);
  const engine = () => {
    const stacks = new StackEngine({
      db: database.db,
      dataKey,
      providers: providerRegistry([items, machines, ...networkProviders, ...iamProviders(identity)]),
      types,
      region: "us-east-1",
      accountId: "000000000000",
      now: Date.now,
      log: pino({ level: "silent" }),
    });
    t.after(() => stacks.close());
    return stacks;
  };
  return { items, machines, identity, engine };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string }>;

const template = (resources: Resources, outputs: Record<string, unknown> = {}, parameters = {}) =>
  JSON.stringify({ Parameters: parameters, Resources: resources, Outputs: outputs });

/** v1: A ← B (unchanged by v2), M ← U (M replaced by v2, U follows it), Gone (removed by v2). */
const V1: Resources = {
  A: { Type: "Test::Item", Properties: { Value: "1" } },
  B: { Type: "Test::Item", Properties: { Value: { Ref: "A" } } },
  M: { Type: "Test::Machine", Properties: { Value: "image-1" } },
  U: { Type: "Test::Item", Properties: { Value: { Ref: "M" } } },
  Gone: { Type: "Test::Item", Properties: { Value: "bye" } },
};
const OUTPUTS = {
  AValue: { Value: { "Fn::GetAtt": ["A", "Value"] } },
  Machine: { Value: { Ref: "M" } },
};
const V2: Resources = {
  A: { Type: "Test::Item", Properties: { Value: "2" } },
  B: V1.B!,
  M: { Type: "Test::Machine", Properties: { Value: "image-2" } },
  U: V1.U!,
  Added: { Type: "Test::Item", Properties: { Value: { "Fn::GetAtt": ["U", "Value"] } } },
};

async function created(stacks: StackEngine, name: string, body: string, parameters = {}) {
  const stack = await stacks.create({ name, templateBody: body, parameters, capabilities: [], caller });
  await stacks.settled(stack.stackId);
  assert.equal((await stacks.describe(name)).status, "CREATE_COMPLETE");
  return stack;
}

/** Updates `app` (as the test's caller) and waits for the update, its rollback or cleanup included, to end. */
async function updated(
  stacks: StackEngine,
  stackId: string,
  input: Partial<Parameters<StackEngine["update"]>[0]>,
) {
  await stacks.update({ name: "app", parameters: {}, capabilities: [], caller, ...input });
  await stacks.settled(stackId);
  return stacks.describe(stackId);
}

/**
 * Starts an update of `app` on `first` that holds in `world` (`Hold`/`HoldDelete`), stops that server while it
 * holds, checks the stack was left in `leftIn`, and starts a second one on the same store, which finishes it.
 */
async function restartedDuring(
  first: StackEngine,
  engine: () => StackEngine,
  world: World,
  stackId: string,
  body: string,
  leftIn: string,
) {
  world.hold = new Promise(() => {});
  await first.update({ name: "app", templateBody: body, parameters: {}, capabilities: [], caller });
  await waitFor(() => world.holding === 1 || undefined, { timeoutMs: 10_000, message: "the update holds" });
  await first.close();
  assert.equal((await first.describe("app")).status, leftIn, "left as it was");
  world.hold = undefined;
  const second = engine();
  await second.start();
  await second.settled(stackId);
  return { second, done: await second.describe(stackId) };
}

/** Everything an update may change: outputs, template, values, the standing resources and the world itself. */
async function snapshot(stacks: StackEngine, name: string, ...worlds: World[]) {
  const stack = await stacks.describe(name);
  const rows = (await stacks.resources(name)).filter((row) => !row.status.startsWith("DELETE_"));
  return {
    outputs: stack.outputs,
    template: await stacks.template(name),
    parameters: stacks.parameters(stack),
    resources: rows
      .map((row) => ({
        logicalId: row.logicalId,
        physicalId: row.physicalId,
        type: row.type,
        attributes: row.attributes,
        properties: stacks.properties(row),
        deletionPolicy: row.deletionPolicy,
      }))
      .sort((a, b) => a.logicalId.localeCompare(b.logicalId)),
    world: worlds.flatMap((world) => [...world.live].sort()),
  };
}

const physical = async (stacks: StackEngine, name: string) =>
  Object.fromEntries(
    (await stacks.resources(name))
      .filter((row) => !row.status.startsWith("DELETE_"))
      .map((row) => [row.logicalId, row.physicalId]),
  );

test("an update adds, removes, changes in place and replaces, leaves the unchanged alone, recomputes outputs", async (t) => {
  const { items, machines, engine } = await fixture(t);
  const stacks = engine();
  const stack = await created(stacks, "app", template(V1, OUTPUTS));
  const before = await physical(stacks, "app");
  const eventsBefore = (await stacks.events("app")).length;

  const updating = await stacks.update({
    name: "app",
    templateBody: template(V2, OUTPUTS),
    parameters: {},
    capabilities: [],
    caller,
  });
  assert.equal(updating.status, "UPDATE_IN_PROGRESS");
  await stacks.settled(stack.stackId);
  const done = await stacks.describe("app");
  assert.equal(done.status, "UPDATE_COMPLETE", done.statusReason ?? "");

  const after = await physical(stacks, "app");
  assert.equal(after.A, before.A, "A is changed in place");
  assert.deepEqual(items.live.get(after.A!), { Value: "2" });
  assert.equal(after.B, before.B, "B is left alone");
  assert.notEqual(after.M, before.M, "M is replaced by a new physical resource");
  assert.equal(machines.live.has(before.M!), false, "the old M is deleted");
  assert.deepEqual(machines.live.get(after.M!), { Value: "image-2" });
  assert.ok(
    machines.log.indexOf(`create ${after.M}`) < machines.log.indexOf(`delete ${before.M}`),
    "the new M is made before the old one goes",
  );
  assert.equal(after.U, before.U, "U moves to the new M in place");
  assert.deepEqual(items.live.get(after.U!), { Value: after.M });
  assert.equal(after.Gone, undefined);
  assert.equal(items.live.has(before.Gone!), false, "Gone is deleted");
  assert.deepEqual(items.live.get(after.Added!), { Value: after.M }, "Added is made after U, from its value");
  assert.deepEqual(
    Object.fromEntries(done.outputs.map((output) => [output.key, output.value])),
    { AValue: "2", Machine: after.M },
    "outputs are recomputed",
  );
  assert.equal(await stacks.template("app"), template(V2, OUTPUTS));

  const events = (await stacks.events("app")).slice(0, -eventsBefore).reverse();
  const stackStatuses = events.filter((e) => e.logicalId === "app").map((e) => e.status);
  assert.deepEqual(stackStatuses, [
    "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_COMPLETE",
  ]);
  assert.deepEqual(
    events.filter((e) => e.logicalId === "B"),
    [],
    "an unchanged resource has no events",
  );
  assert.deepEqual(
    events.filter((e) => e.logicalId === "A").map((e) => e.status),
    ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"],
  );
  const cleanupAt = events.findIndex((e) => e.status === "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");
  const deletes = events
    .map((e, index) => ({ ...e, index }))
    .filter((e) => e.status === "DELETE_COMPLETE")
    .map((e) => [e.logicalId, e.physicalId, e.index > cleanupAt]);
  assert.deepEqual(
    deletes.sort(),
    [
      ["Gone", before.Gone, true],
      ["M", before.M, true],
    ],
    "removed and replaced resources are deleted in the cleanup",
  );

  // A second update changes nothing: refused, nothing written.
  const eventsNow = (await stacks.events("app")).length;
  await assert.rejects(
    stacks.update({ name: "app", usePreviousTemplate: true, parameters: {}, capabilities: [], caller }),
    (error: Error & { code?: string }) =>
      error.code === ErrorCode.stackNoUpdates && error.message === "No updates are to be performed.",
  );
  await assert.rejects(
    stacks.update({
      name: "app",
      templateBody: template(V2, OUTPUTS),
      parameters: {},
      capabilities: [],
      caller,
    }),
    { code: ErrorCode.stackNoUpdates },
  );
  assert.equal((await stacks.events("app")).length, eventsNow);
  assert.equal((await stacks.describe("app")).status, "UPDATE_COMPLETE");

  // And the stack deletes whole.
  await stacks.delete("app", caller);
  await stacks.settled(stack.stackId);
  assert.deepEqual([...items.live.keys(), ...machines.live.keys()], []);
});

test("a failed update rolls back to exactly the old resources, outputs, template and values", async (t) => {
  const { items, machines, engine } = await fixture(t);
  const stacks = engine();
  const stack = await created(stacks, "app", template(V1, OUTPUTS));
  const before = await snapshot(stacks, "app", items, machines);

  const done = await updated(stacks, stack.stackId, {
    templateBody: template(
      { ...V2, Bad: { Type: "Test::Item", Properties: { Fail: true }, DependsOn: "Added" } },
      { ...OUTPUTS, Extra: { Value: "new" } },
    ),
  });
  assert.equal(done.status, "UPDATE_ROLLBACK_COMPLETE");
  assert.equal(done.statusReason, null);
  assert.deepEqual(await snapshot(stacks, "app", items, machines), before);
  assert.ok(
    items.log.some((line) => line.startsWith("create Added")),
    "the update had got as far as Added",
  );

  const events = (await stacks.events("app")).reverse();
  const stackStatuses = events.filter((e) => e.logicalId === "app").map((e) => e.status);
  assert.deepEqual(stackStatuses.slice(2), [
    "UPDATE_IN_PROGRESS",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE",
  ]);
  const rollback = events.find((e) => e.status === "UPDATE_ROLLBACK_IN_PROGRESS")!;
  assert.equal(rollback.statusReason, "The following resource(s) failed to update: [Bad]. ");

  // A stack rolled back from an update can be updated again.
  assert.equal(
    (
      await updated(stacks, stack.stackId, {
        templateBody: template(V2, OUTPUTS),
      })
    ).status,
    "UPDATE_COMPLETE",
  );
});

test("an update a stopped server left is rolled back by the next start", async (t) => {
  const { items, machines, engine } = await fixture(t);
  const first = engine();
  const stack = await created(first, "app", template(V1, OUTPUTS));
  const before = await snapshot(first, "app", items, machines);
  const { second, done: recovered } = await restartedDuring(
    first,
    engine,
    items,
    stack.stackId,
    template({ ...V2, U: { Type: "Test::Item", Properties: { Value: { Ref: "M" }, Hold: true } } }, OUTPUTS),
    "UPDATE_IN_PROGRESS",
  );
  assert.equal(recovered.status, "UPDATE_ROLLBACK_COMPLETE", recovered.statusReason ?? "");
  assert.deepEqual(await snapshot(second, "app", items, machines), before);
  const [, made, deleted] = machines.log;
  assert.ok(
    made !== "create M-1" && made?.replace("create", "delete") === deleted,
    "the new M was made, then deleted",
  );
  const u = (await second.events("app")).find((e) => e.logicalId === "U" && e.status === "UPDATE_FAILED");
  assert.equal(u?.statusReason, "The server stopped while the resource was being updated");
});

test("updates are refused, writing nothing, in a busy or failed stack, without a capability, or with bad values", async (t) => {
  const { items, engine } = await fixture(t);
  const stacks = engine();
  await assert.rejects(
    stacks.update({ name: "nope", usePreviousTemplate: true, parameters: {}, capabilities: [], caller }),
    { code: ErrorCode.stackNotFound, message: "Stack with id nope does not exist" },
  );

  const failed = await stacks.create({
    name: "failed",
    templateBody: template({ X: { Type: "Test::Item", Properties: { Fail: true } } }),
    parameters: {},
    capabilities: [],
    caller,
  });
  await stacks.settled(failed.stackId);
  await assert.rejects(
    stacks.update({ name: "failed", templateBody: template(V1), parameters: {}, capabilities: [], caller }),
    {
      code: ErrorCode.stackBusy,
      message: `Stack:${failed.stackId} is in ROLLBACK_COMPLETE state and can not be updated.`,
    },
  );

  const stack = await created(
    stacks,
    "app",
    template(V1, {}, { Size: { Type: "String", AllowedValues: ["1", "2"] } }),
    { Size: "1" },
  );
  const eventsBefore = (await stacks.events("app")).length;
  const role = {
    Type: "AWS::IAM::Role",
    Properties: { AssumeRolePolicyDocument: { Version: "2012-10-17", Statement: [] } },
  };
  const refusals: [Parameters<StackEngine["update"]>[0], string][] = [
    [
      {
        name: "app",
        templateBody: template({ ...V1, Role: role }),
        parameters: {},
        capabilities: [],
        caller,
      },
      ErrorCode.insufficientCapabilities,
    ],
    [
      { name: "app", usePreviousTemplate: true, parameters: { Size: "3" }, capabilities: [], caller },
      ErrorCode.templateInvalid,
    ],
    [
      { name: "app", usePreviousTemplate: true, parameters: {}, capabilities: [], caller },
      ErrorCode.templateInvalid,
    ],
    [
      {
        name: "app",
        usePreviousTemplate: true,
        parameters: {},
        usePreviousValues: ["Other"],
        capabilities: [],
        caller,
      },
      ErrorCode.templateInvalid,
    ],
    [
      { name: "app", templateBody: "{ not json", parameters: {}, capabilities: [], caller },
      ErrorCode.templateInvalid,
    ],
  ];
  for (const [input, code] of refusals) await assert.rejects(stacks.update(input), { code });
  assert.equal((await stacks.events("app")).length, eventsBefore, "refusals write nothing");

  items.hold = new Promise(() => {});
  await stacks.update({
    name: "app",
    templateBody: template(
      { ...V1, Slow: { Type: "Test::Item", Properties: { Hold: true } } },
      {},
      { Size: { Type: "String", AllowedValues: ["1", "2"] } },
    ),
    parameters: { Size: "1" },
    capabilities: [],
    caller,
  });
  await waitFor(() => items.holding === 1 || undefined, { timeoutMs: 10_000, message: "the update runs" });
  await assert.rejects(
    stacks.update({
      name: "app",
      usePreviousTemplate: true,
      parameters: { Size: "2" },
      capabilities: [],
      caller,
    }),
    {
      code: ErrorCode.stackBusy,
      message: `Stack:${stack.stackId} is in UPDATE_IN_PROGRESS state and can not be updated.`,
    },
  );
});

test("UsePreviousValue keeps a parameter's value (NoEcho ones too); only what it feeds changes", async (t) => {
  const { items, engine } = await fixture(t);
  const stacks = engine();
  const parameters = {
    Secret: { Type: "String", NoEcho: true },
    Size: { Type: "String" },
  };
  const body = template(
    {
      Keeps: { Type: "Test::Item", Properties: { Value: { Ref: "Secret" } } },
      Grows: { Type: "Test::Item", Properties: { Value: { Ref: "Size" } } },
    },
    {},
    parameters,
  );
  const stack = await created(stacks, "app", body, { Secret: "hunter2", Size: "1" });
  const before = await physical(stacks, "app");
  const done = await updated(stacks, stack.stackId, {
    usePreviousTemplate: true,
    parameters: { Size: "2" },
    usePreviousValues: ["Secret"],
  });
  assert.equal(done.status, "UPDATE_COMPLETE", done.statusReason ?? "");
  assert.deepEqual(stacks.parameters(done), { Secret: "****", Size: "2" });
  assert.deepEqual(items.live.get(before.Keeps!), { Value: "hunter2" });
  assert.deepEqual(items.live.get(before.Grows!), { Value: "2" });
  assert.deepEqual(
    items.log.filter((line) => line.startsWith("update")),
    [`update ${before.Grows}`],
  );
  assert.deepEqual(await physical(stacks, "app"), before);
});

test("an update's cleanup a stopped server left is finished by the next start", async (t) => {
  const { items, machines, engine } = await fixture(t);
  const first = engine();
  const v1 = { ...V1, Gone: { Type: "Test::Item", Properties: { Value: "bye", HoldDelete: true } } };
  const stack = await created(first, "app", template(v1, OUTPUTS));
  const before = await physical(first, "app");
  const { second, done } = await restartedDuring(
    first,
    engine,
    items,
    stack.stackId,
    template(V2, OUTPUTS),
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
  );
  assert.equal(done.status, "UPDATE_COMPLETE", done.statusReason ?? "");
  assert.equal(items.live.has(before.Gone!), false, "Gone is deleted");
  assert.equal(machines.live.has(before.M!), false, "the replaced M is deleted");
  assert.deepEqual(Object.keys(await physical(second, "app")).sort(), ["A", "Added", "B", "M", "U"]);
});

test("a custom-named resource that needs replacing fails the update, which rolls back", async (t) => {
  const { items, machines, engine } = await fixture(t);
  const stacks = engine();
  const named = (value: string): Resources => ({
    A: { Type: "Test::Item", Properties: { Value: value } },
    M: { Type: "Test::Machine", Properties: { Name: "web-1", Value: value } },
  });
  const stack = await created(stacks, "app", template(named("1")));
  const before = await snapshot(stacks, "app", items, machines);
  assert.equal(
    (
      await updated(stacks, stack.stackId, {
        templateBody: template(named("2")),
      })
    ).status,
    "UPDATE_ROLLBACK_COMPLETE",
  );
  const rollback = (await stacks.events("app")).find((e) => e.status === "UPDATE_ROLLBACK_IN_PROGRESS");
  assert.equal(rollback?.statusReason, "The following resource(s) failed to update: [M]. ");
  assert.deepEqual(await snapshot(stacks, "app", items, machines), before, "web-1 is untouched, A is back");
});

test("a cleanup delete that fails leaves the update complete; deleting the stack deletes that resource too", async (t) => {
  const { items, machines, engine } = await fixture(t);
  const stacks = engine();
  const stack = await created(stacks, "app", template(V1, OUTPUTS));
  const before = await physical(stacks, "app");
  machines.failDeletes.add(before.M!);
  assert.equal(
    (
      await updated(stacks, stack.stackId, {
        templateBody: template(V2, OUTPUTS),
      })
    ).status,
    "UPDATE_COMPLETE",
  );
  const old = (await stacks.resources("app")).find((row) => row.physicalId === before.M);
  assert.equal(old?.status, "DELETE_FAILED");
  assert.equal(old?.statusReason, `${before.M} will not go`);
  assert.equal(machines.live.size, 2, "the old M is still there, beside the new one");

  machines.failDeletes.clear();
  await stacks.delete("app", caller);
  await stacks.settled(stack.stackId);
  assert.equal((await stacks.describe(stack.stackId)).status, "DELETE_COMPLETE");
  assert.deepEqual([...items.live.keys(), ...machines.live.keys()], [], "both Ms are deleted");
});

test("roles, policies and network records update in place, and a rollback puts them back", async (t) => {
  const { identity, engine } = await fixture(t);
  const stacks = engine();
  const document = (action: string) => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: action, Resource: "*" }],
  });
  const version = (n: 1 | 2, extra: Resources = {}): string =>
    template({
      Vpc: { Type: "AWS::EC2::VPC", Properties: { CidrBlock: "10.0.0.0/16" } },
      Subnet: {
        Type: "AWS::EC2::Subnet",
        Properties: {
          VpcId: { Ref: "Vpc" },
          CidrBlock: "10.0.0.0/24",
          Tags: [{ Key: "Build", Value: `${n}` }],
        },
      },
      Role: {
        Type: "AWS::IAM::Role",
        Properties: {
          AssumeRolePolicyDocument: serviceTrustPolicy(),
          ...(n === 2 && { Description: "build two", Tags: [{ Key: "Build", Value: "2" }] }),
        },
      },
      Read: {
        Type: "AWS::IAM::Policy",
        Properties: {
          PolicyName: n === 1 ? "read" : "read-more",
          PolicyDocument: document(n === 1 ? "s3:GetObject" : "s3:ListBucket"),
          Roles: [{ Ref: "Role" }],
        },
      },
      ...extra,
    });
  const stack = await stacks.create({
    name: "infra",
    templateBody: version(1),
    parameters: {},
    capabilities: ["CAPABILITY_IAM"],
    caller,
  });
  await stacks.settled(stack.stackId);
  const createdStack = await stacks.describe("infra");
  assert.equal(createdStack.status, "CREATE_COMPLETE", createdStack.statusReason ?? "");
  const ids = await physical(stacks, "infra");
  const roleState = async () => {
    const role = await identity.roles.getRole(ids.Role!);
    const policies = await identity.roles.listRolePolicies(ids.Role!);
    const documents = await Promise.all(
      policies.map((name) => identity.roles.getRolePolicy(ids.Role!, name)),
    );
    return { description: role.description, tags: role.tags, policies, documents };
  };
  const roleBefore = await roleState();
  const before = await snapshot(stacks, "infra");

  const fail = { Bad: { Type: "Test::Item", Properties: { Fail: true }, DependsOn: ["Read", "Subnet"] } };
  assert.equal(
    (
      await updated(stacks, stack.stackId, {
        name: "infra",
        templateBody: version(2, fail as unknown as Resources),
        capabilities: ["CAPABILITY_IAM"],
      })
    ).status,
    "UPDATE_ROLLBACK_COMPLETE",
  );
  assert.deepEqual(await roleState(), roleBefore, "the role and its policy are back");
  assert.deepEqual(await snapshot(stacks, "infra"), before);

  assert.equal(
    (
      await updated(stacks, stack.stackId, {
        name: "infra",
        templateBody: version(2),
        capabilities: ["CAPABILITY_IAM"],
      })
    ).status,
    "UPDATE_COMPLETE",
  );
  assert.deepEqual(await physical(stacks, "infra"), ids, "all in place");
  assert.deepEqual(await roleState(), {
    description: "build two",
    tags: { Build: "2" },
    policies: ["read-more"],
    documents: [document("s3:ListBucket")],
  });
  const subnet = (await stacks.recordsOf("AWS::EC2::Subnet"))[0]!;
  assert.equal(subnet.tags.Build, "2");
  assert.equal(
    subnet.attributes.NetworkAclAssociationId,
    before.resources.find((r) => r.logicalId === "Subnet")!.attributes.NetworkAclAssociationId,
  );
});

test("a DeletionPolicy change updates the record only, rolls back with the rest, and is what a delete obeys", async (t) => {
  const { items, engine } = await fixture(t);
  const stacks = engine();
  const withPolicy = (policy: string | undefined, extra = {}) =>
    template({
      A: { Type: "Test::Item", Properties: { Value: "1" }, ...(policy && { DeletionPolicy: policy }) },
      ...extra,
    } as Resources);
  const stack = await created(stacks, "app", withPolicy(undefined));
  const policyOfA = async () =>
    (await stacks.resources("app")).find((r) => r.logicalId === "A")!.deletionPolicy;

  assert.equal(
    (await updated(stacks, stack.stackId, { templateBody: withPolicy("Retain") })).status,
    "UPDATE_COMPLETE",
  );
  assert.equal(await policyOfA(), "Retain");
  assert.deepEqual(
    items.log.filter((line) => line.startsWith("update")),
    [],
    "the resource itself is not touched",
  );

  const failing = withPolicy(undefined, {
    Bad: { Type: "Test::Item", Properties: { Fail: true }, DependsOn: "A" },
  });
  const rolledBack = await updated(stacks, stack.stackId, { templateBody: failing });
  assert.equal(rolledBack.status, "UPDATE_ROLLBACK_COMPLETE");
  assert.equal(await policyOfA(), "Retain", "the rollback puts the policy back");

  const [a] = [...items.live.keys()];
  await stacks.delete("app", caller);
  await stacks.settled(stack.stackId);
  assert.equal(
    (await stacks.resources(stack.stackId)).find((r) => r.logicalId === "A")?.status,
    "DELETE_SKIPPED",
  );
  assert.ok(items.live.has(a!), "A is retained");
});

test("an update makes independent resources together and a dependent one after them", async (t) => {
  const { items, engine } = await fixture(t);
  const stacks = engine();
  const stack = await created(
    stacks,
    "app",
    template({ A: { Type: "Test::Item", Properties: { Value: "1" } } }),
  );
  let release = () => {};
  items.hold = new Promise<void>((resolve) => (release = resolve));
  const held = { Type: "Test::Item", Properties: { Hold: true } };
  await stacks.update({
    name: "app",
    templateBody: template({
      A: { Type: "Test::Item", Properties: { Value: "2", Hold: true } },
      X: held,
      Y: held,
      Last: { Type: "Test::Item", Properties: { Value: { "Fn::Join": ["", [{ Ref: "X" }, { Ref: "Y" }]] } } },
    }),
    parameters: {},
    capabilities: [],
    caller,
  });
  await waitFor(() => items.holding === 3 || undefined, {
    timeoutMs: 10_000,
    message: "A's update and X's and Y's creates at once",
  });
  assert.equal(
    items.log.filter((line) => line.startsWith("create Last")).length,
    0,
    "Last waits for X and Y",
  );
  release();
  await stacks.settled(stack.stackId);
  assert.equal((await stacks.describe("app")).status, "UPDATE_COMPLETE");
  assert.match(items.log.at(-1) ?? "", /^create Last-/);
});
