/**
 * The stacks and instances REST API on an in-process server over real HTTP: create (a bad template is a 400
 * naming line:column and stores nothing), live events with `?after=`, resources, template, NoEcho masked,
 * delete; who may do what (anonymous 401, a viewer reads but may not create or delete, an operator's stacks may
 * make buckets but no IAM resource, an administrator's anything); a stack change on the event stream; and the
 * instance routes over a fake directory.
 */
import assert from "node:assert/strict";
import test from "node:test";
import {
  ApiRoutes,
  apiPath,
  type InstanceConsoleDto,
  type InstanceDto,
  type InstanceListDto,
  type Problem,
  type StackDetailsDto,
  type StackEventListDto,
  type StackListDto,
  type StackResourceListDto,
} from "@fawkes/protocol";
import { BUCKET_AND_ROLE_TEMPLATE, waitFor } from "@fawkes/testing";
import { createApiToken } from "../../src/identity/users/api-tokens.ts";
import { createUser } from "../../src/identity/users/manage-users.ts";
import { listAuditEntries } from "../../src/store/audit-repo.ts";
import { findUserByName } from "../../src/store/users-repo.ts";
import { FakeInstances } from "./fake-instances.ts";
import { startHttpServer, type HttpServer } from "./http-server.ts";

/** A bucket and a role: the operator's stacks may make the first and not the second. */
const TEMPLATE = BUCKET_AND_ROLE_TEMPLATE;

const BAD_TEMPLATE = `Resources:
  Releases:
    Type: AWS::S3::Bucket
  Broken:
    Type: AWS::S3::Bucket
    DependsOn: Missing
`;

type Answer = { status: number; body: unknown; type: string | null };

async function tokenOf(server: HttpServer, name: string, role: "viewer" | "operator"): Promise<string> {
  await createUser(server.engine.ctx, { name, role, password: "a long enough password" });
  const user = (await findUserByName(server.engine.ctx.db, name))!;
  return (await createApiToken(server.engine.ctx, user, "test", undefined)).token;
}

function client(server: HttpServer, token: string | undefined) {
  return async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(server.url + path, {
      method,
      headers: {
        ...(token !== undefined && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { "content-type": "application/json" }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const type = response.headers.get("content-type");
    return {
      status: response.status,
      type,
      body: text === "" ? undefined : type?.includes("json") ? JSON.parse(text) : text,
    };
  };
}

const stackPath = (name: string) => apiPath(ApiRoutes.stack, { stack: name });

test("stacks over REST: create, live events, resources, template, delete", { timeout: 90_000 }, async (t) => {
  const server = await startHttpServer(t);
  const admin = client(server, server.keys.apiToken);
  const viewer = client(server, await tokenOf(server, "vera", "viewer"));
  const anonymous = client(server, undefined);

  // The event stream tells the web UI about stack changes.
  const stream = new AbortController();
  t.after(() => stream.abort());
  const live = await fetch(server.url + ApiRoutes.events, {
    headers: { authorization: `Bearer ${server.keys.apiToken}` },
    signal: stream.signal,
  });
  let streamed = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of live.body!) streamed += decoder.decode(chunk as Uint8Array, { stream: true });
  })().catch(() => undefined);

  assert.equal((await anonymous("GET", ApiRoutes.stacks)).status, 401);

  // A bad template: 400 naming line:column, nothing stored.
  const bad = await admin("POST", ApiRoutes.stacks, { name: "web", templateBody: BAD_TEMPLATE });
  assert.equal(bad.status, 400);
  const badProblem = bad.body as Problem;
  assert.equal(badProblem.code, "FAWKES_TEMPLATE_INVALID");
  assert.match(badProblem.detail ?? "", /TemplateBody:6:\d+/);
  assert.match(badProblem.detail ?? "", /Missing/);
  assert.deepEqual((await admin("GET", ApiRoutes.stacks)).body, { stacks: [] });

  // Unknown stack: a clear 404.
  const unknown = await admin("GET", stackPath("nope"));
  assert.equal(unknown.status, 404);
  assert.equal((unknown.body as Problem).code, "FAWKES_STACK_NOT_FOUND");
  assert.match((unknown.body as Problem).detail ?? "", /Stack with id nope does not exist/);
  assert.equal((await admin("GET", apiPath(ApiRoutes.stackEvents, { stack: "nope" }))).status, 404);

  // A viewer may not create.
  const refused = await viewer("POST", ApiRoutes.stacks, {
    name: "web",
    templateBody: TEMPLATE,
    parameters: { DbPassword: "s3cr3t" },
    capabilities: ["CAPABILITY_IAM"],
  });
  assert.equal(refused.status, 403);
  assert.deepEqual((await admin("GET", ApiRoutes.stacks)).body, { stacks: [] });

  const created = await admin("POST", ApiRoutes.stacks, {
    name: "web",
    templateBody: TEMPLATE,
    parameters: { DbPassword: "s3cr3t" },
    capabilities: ["CAPABILITY_IAM"],
    tags: [{ key: "team", value: "ops" }],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const first = created.body as StackDetailsDto;
  assert.equal(first.name, "web");
  assert.equal(first.createdBy, "admin");
  assert.deepEqual(first.parameters, { Env: "ci", DbPassword: "****" });
  assert.deepEqual(first.tags, [{ key: "team", value: "ops" }]);

  const settled = await waitFor(
    async () => {
      const answer = (await viewer("GET", stackPath("web"))).body as StackDetailsDto;
      return answer.status.endsWith("_IN_PROGRESS") ? undefined : answer;
    },
    { message: "stack web to settle", timeoutMs: 30_000 },
  );
  assert.equal(settled.status, "CREATE_COMPLETE", settled.statusReason ?? "");
  const bucket = settled.outputs.find((o) => o.key === "Bucket");
  assert.equal(bucket?.description, "where builds go");
  assert.match(bucket?.value ?? "", /^web-releases-/);
  assert.equal(settled.parameters.DbPassword, "****");
  assert.ok(!JSON.stringify(settled).includes("s3cr3t"), "a NoEcho value was answered");

  // Events: oldest first, and `?after=` gives only the newer ones.
  const events = (
    (await viewer("GET", apiPath(ApiRoutes.stackEvents, { stack: "web" }))).body as StackEventListDto
  ).events;
  assert.equal(events[0]?.status, "CREATE_IN_PROGRESS");
  assert.equal(events[0]?.logicalId, "web");
  assert.equal(events.at(-1)?.status, "CREATE_COMPLETE");
  assert.deepEqual(
    events.map((e) => e.id),
    [...events.map((e) => e.id)].sort((a, b) => a - b),
  );
  const middle = events[Math.floor(events.length / 2)]!;
  const after = (
    (await viewer("GET", `${apiPath(ApiRoutes.stackEvents, { stack: "web" })}?after=${middle.id}`))
      .body as StackEventListDto
  ).events;
  assert.deepEqual(
    after.map((e) => e.id),
    events.filter((e) => e.id > middle.id).map((e) => e.id),
  );
  assert.equal(
    (await viewer("GET", `${apiPath(ApiRoutes.stackEvents, { stack: "web" })}?after=-1`)).status,
    400,
  );

  const resources = (
    (await viewer("GET", apiPath(ApiRoutes.stackResources, { stack: "web" }))).body as StackResourceListDto
  ).resources;
  assert.deepEqual(resources.map((r) => [r.logicalId, r.type, r.status]).sort(), [
    ["AppRole", "AWS::IAM::Role", "CREATE_COMPLETE"],
    ["Releases", "AWS::S3::Bucket", "CREATE_COMPLETE"],
  ]);
  assert.equal(resources.find((r) => r.logicalId === "Releases")?.physicalId, bucket?.value);

  const template = await viewer("GET", apiPath(ApiRoutes.stackTemplate, { stack: "web" }));
  assert.equal(template.status, 200);
  assert.match(template.type ?? "", /^text\/plain/);
  assert.equal(template.body, TEMPLATE);

  // By stack id too.
  assert.equal(((await viewer("GET", stackPath(first.stackId))).body as StackDetailsDto).name, "web");

  // A name taken: nothing changes.
  const again = await admin("POST", ApiRoutes.stacks, {
    name: "web",
    templateBody: TEMPLATE,
    parameters: { DbPassword: "x" },
    capabilities: ["CAPABILITY_IAM"],
  });
  assert.equal(again.status, 409);

  // Update: refusals change nothing; Env=prod drops the role.
  const sameValues = { DbPassword: "s3cr3t" };
  const put = (who: typeof admin, body: Record<string, unknown>) =>
    who("PUT", stackPath("web"), {
      name: "web",
      templateBody: TEMPLATE,
      capabilities: ["CAPABILITY_IAM"],
      ...body,
    });
  assert.equal((await put(viewer, { parameters: { ...sameValues, Env: "prod" } })).status, 403);
  const noChange = await put(admin, { parameters: sameValues });
  assert.equal(noChange.status, 400);
  assert.equal((noChange.body as Problem).code, "FAWKES_STACK_NO_UPDATES");
  const renamed = await put(admin, { name: "other", parameters: { ...sameValues, Env: "prod" } });
  assert.equal(renamed.status, 400);
  assert.match((renamed.body as Problem).detail ?? "", /cannot be renamed/);
  const retagged = await put(admin, {
    parameters: { ...sameValues, Env: "prod" },
    tags: [{ key: "team", value: "dev" }],
  });
  assert.equal(retagged.status, 400);
  assert.equal(((await viewer("GET", stackPath("web"))).body as StackDetailsDto).status, "CREATE_COMPLETE");
  const updating = await put(admin, { parameters: { ...sameValues, Env: "prod" } });
  assert.equal(updating.status, 202, JSON.stringify(updating.body));
  assert.equal((updating.body as StackDetailsDto).status, "UPDATE_IN_PROGRESS");
  const updated = await waitFor(
    async () => {
      const answer = (await viewer("GET", stackPath("web"))).body as StackDetailsDto;
      return answer.status.endsWith("_IN_PROGRESS") ? undefined : answer;
    },
    { message: "stack web to finish its update", timeoutMs: 30_000 },
  );
  assert.equal(updated.status, "UPDATE_COMPLETE", updated.statusReason ?? "");
  assert.deepEqual(updated.parameters, { Env: "prod", DbPassword: "****" });
  assert.deepEqual(
    updated.outputs.map((o) => o.key),
    ["Bucket"],
  );
  assert.deepEqual(updated.tags, [{ key: "team", value: "ops" }]);
  const afterUpdate = (
    (await viewer("GET", `${apiPath(ApiRoutes.stackEvents, { stack: "web" })}?after=${events.at(-1)!.id}`))
      .body as StackEventListDto
  ).events;
  assert.ok(
    afterUpdate.some((e) => e.logicalId === "AppRole" && e.status === "DELETE_COMPLETE"),
    JSON.stringify(afterUpdate),
  );
  assert.equal(afterUpdate.at(-1)?.status, "UPDATE_COMPLETE");

  // The event stream said the stack changed.
  await waitFor(() => streamed.includes(`"type":"stack","stack":"web"`), {
    message: "a stack event on the stream",
  });

  // A viewer may not delete; an admin may, and the stack goes.
  assert.equal((await viewer("DELETE", stackPath("web"))).status, 403);
  assert.equal(((await viewer("GET", stackPath("web"))).body as StackDetailsDto).status, "UPDATE_COMPLETE");
  assert.equal((await admin("DELETE", stackPath("nope"))).status, 404);
  assert.equal((await admin("DELETE", stackPath("web"))).status, 202);
  const gone = await waitFor(
    async () => {
      const answer = (await viewer("GET", stackPath(first.stackId))).body as StackDetailsDto;
      return answer.status === "DELETE_COMPLETE" ? answer : undefined;
    },
    { message: "stack web to be deleted", timeoutMs: 30_000 },
  );
  assert.ok(gone.deletedAt !== null);
  assert.equal((await viewer("GET", stackPath("web"))).status, 404);
  assert.deepEqual(((await viewer("GET", ApiRoutes.stacks)).body as StackListDto).stacks, []);
  assert.deepEqual(
    ((await viewer("GET", `${ApiRoutes.stacks}?all=true`)).body as StackListDto).stacks.map((s) => s.status),
    ["DELETE_COMPLETE"],
  );

  // Audited as the user who asked.
  const audit = await listAuditEntries(server.engine.ctx.db, {
    action: { value: "role.create", prefix: false },
    limit: 10,
  });
  assert.deepEqual(
    audit.map((entry) => [entry.actorKind, entry.actorName]),
    [["user", "admin"]],
  );
  stream.abort();
  await reading;
});

test("a stack with a long name is found by its id (an ARN longer than 100 characters)", async (t) => {
  const server = await startHttpServer(t);
  const admin = client(server, server.keys.apiToken);
  const name = `app-server-build-${"1".repeat(100)}`;
  const created = await admin("POST", ApiRoutes.stacks, {
    name,
    templateBody: "Resources:\n  Releases:\n    Type: AWS::S3::Bucket\n",
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const { stackId } = created.body as StackDetailsDto;
  assert.ok(stackId.length > 200, stackId);
  for (const route of [
    ApiRoutes.stack,
    ApiRoutes.stackEvents,
    ApiRoutes.stackResources,
    ApiRoutes.stackTemplate,
  ])
    assert.equal((await admin("GET", apiPath(route, { stack: stackId }))).status, 200, route);
});

test("an operator's stacks make buckets but no IAM resource", { timeout: 90_000 }, async (t) => {
  const server = await startHttpServer(t);
  const operator = client(server, await tokenOf(server, "olga", "operator"));
  const settle = async (name: string): Promise<StackDetailsDto> =>
    waitFor(
      async () => {
        const answer = (await operator("GET", stackPath(name))).body as StackDetailsDto;
        return answer.status.endsWith("_IN_PROGRESS") ? undefined : answer;
      },
      { message: `stack ${name} to settle`, timeoutMs: 30_000 },
    );

  const withRole = await operator("POST", ApiRoutes.stacks, {
    name: "with-role",
    templateBody: TEMPLATE,
    parameters: { DbPassword: "x" },
    capabilities: ["CAPABILITY_IAM"],
  });
  assert.equal(withRole.status, 201);
  const rolledBack = await settle("with-role");
  assert.equal(rolledBack.status, "ROLLBACK_COMPLETE");
  const events = (
    (await operator("GET", apiPath(ApiRoutes.stackEvents, { stack: "with-role" }))).body as StackEventListDto
  ).events;
  const failed = events.find((e) => e.logicalId === "AppRole" && e.status === "CREATE_FAILED");
  assert.match(
    failed?.statusReason ?? "",
    /User: arn:aws:iam::000000000000:user\/olga is not authorized to perform: iam:CreateRole/,
  );
  assert.deepEqual(
    (await server.engine.ctx.cloud!.identity.roles.listRoles()).map((r) => r.name),
    [],
  );

  const bucketOnly = await operator("POST", ApiRoutes.stacks, {
    name: "bucket-only",
    templateBody: TEMPLATE,
    parameters: { Env: "prod", DbPassword: "x" },
    capabilities: ["CAPABILITY_IAM"],
  });
  assert.equal(bucketOnly.status, 201, JSON.stringify(bucketOnly.body));
  assert.equal((await settle("bucket-only")).status, "CREATE_COMPLETE");
  // An update runs with the operator's rights too: adding the role rolls the update back.
  const addRole = await operator("PUT", stackPath("bucket-only"), {
    name: "bucket-only",
    templateBody: TEMPLATE,
    parameters: { Env: "ci", DbPassword: "x" },
    capabilities: ["CAPABILITY_IAM"],
  });
  assert.equal(addRole.status, 202, JSON.stringify(addRole.body));
  assert.equal((await settle("bucket-only")).status, "UPDATE_ROLLBACK_COMPLETE");
  assert.deepEqual(
    (await server.engine.ctx.cloud!.identity.roles.listRoles()).map((r) => r.name),
    [],
  );
  assert.equal((await operator("DELETE", stackPath("bucket-only"))).status, 202);
  await waitFor(
    async () => ((await operator("GET", stackPath("bucket-only"))).status === 404 ? true : undefined),
    { message: "bucket-only to be deleted", timeoutMs: 30_000 },
  );
});

test("instances over REST: list, details, console, terminate", { timeout: 60_000 }, async (t) => {
  const fake = new FakeInstances();
  fake.add("i-0aaaaaaaaaaaaaaa1", { stackName: "web", logicalId: "AppServer" });
  fake.add("i-0bbbbbbbbbbbbbbb2", { state: "terminated", terminatedAt: 1_700_000_100_000 });
  fake.consoles.set("i-0aaaaaaaaaaaaaaa1", "cloud-init: boot\n");
  const server = await startHttpServer(t, { instances: fake });
  const viewer = client(server, await tokenOf(server, "vera", "viewer"));
  const operator = client(server, await tokenOf(server, "olga", "operator"));
  const instance = (id: string) => apiPath(ApiRoutes.instance, { instance: id });

  assert.equal((await client(server, undefined)("GET", ApiRoutes.instances)).status, 401);
  const live = (await viewer("GET", ApiRoutes.instances)).body as InstanceListDto;
  assert.deepEqual(
    live.instances.map((i) => i.instanceId),
    ["i-0aaaaaaaaaaaaaaa1"],
  );
  const all = (await viewer("GET", `${ApiRoutes.instances}?all=true`)).body as InstanceListDto;
  assert.equal(all.instances.length, 2);
  assert.equal(
    ((await viewer("GET", instance("i-0aaaaaaaaaaaaaaa1"))).body as InstanceDto).logicalId,
    "AppServer",
  );
  const consoleAnswer = (
    await viewer("GET", apiPath(ApiRoutes.instanceConsole, { instance: "i-0aaaaaaaaaaaaaaa1" }))
  ).body as InstanceConsoleDto;
  assert.equal(consoleAnswer.output, "cloud-init: boot\n");
  assert.equal(consoleAnswer.instanceId, "i-0aaaaaaaaaaaaaaa1");

  const missing = await viewer("GET", instance("i-0ccccccccccccccc3"));
  assert.equal(missing.status, 404);
  assert.match((missing.body as Problem).detail ?? "", /i-0ccccccccccccccc3' does not exist/);
  assert.equal((await operator("DELETE", instance("i-0ccccccccccccccc3"))).status, 404);

  assert.equal((await viewer("DELETE", instance("i-0aaaaaaaaaaaaaaa1"))).status, 403);
  assert.deepEqual(fake.terminated, []);
  assert.equal((await operator("DELETE", instance("i-0aaaaaaaaaaaaaaa1"))).status, 202);
  assert.deepEqual(fake.terminated, ["i-0aaaaaaaaaaaaaaa1"]);
});

test("by default the instance routes show the server's own instances", { timeout: 30_000 }, async (t) => {
  const server = await startHttpServer(t);
  const admin = client(server, server.keys.apiToken);
  assert.deepEqual((await admin("GET", `${ApiRoutes.instances}?all=true`)).body, { instances: [] });
  const missing = await admin("GET", apiPath(ApiRoutes.instance, { instance: "i-0123456789abcdef0" }));
  assert.equal(missing.status, 404);
  assert.match((missing.body as Problem).detail ?? "", /i-0123456789abcdef0' does not exist/);
});
