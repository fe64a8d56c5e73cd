/**
 * Hostile input, generated: bodies, headers, path parameters and credentials of every kind thrown at every route
 * the server registered (REST API and agent protocol alike, taken from the route registry so a new route is
 * fuzzed automatically). Whatever arrives: no 5xx, no crash, no error-level log line, nothing but public routes
 * answers 2xx without credentials, and a refused request changes nothing a user can see.
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import test from "node:test";
import fc from "fast-check";
import { pino } from "pino";
import { AgentHeader, ApiRoutes, apiPath } from "@fawkes/protocol";
import { compileServerOptions, startServer, type RouteAccess, type RunningServer } from "@fawkes/server";
import { createGitRepo, tempDir, waitFor, writePipelineDir, yamlString } from "@fawkes/testing";
import { registerAgent } from "../http/agent-player.ts";

const yaml = (repo: string) => `format_version: 10
pipelines:
  fz:
    group: fuzz
    environment_variables: {DECLARED: "plain"}
    secure_variables: {TOKEN: "s3cr3t-value"}
    materials:
      src: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - build:
          jobs:
            work:
              tasks: [{exec: {command: "true"}}]
              artifacts: [{build: {source: out}}]
`;

interface Fixture {
  server: RunningServer;
  userToken: string;
  agentToken: string;
  pendingToken: string;
  leaseId: string;
  jobRunId: number;
  dataDir: string;
  logLines: { level: number; msg: string }[];
}

async function setUp(t: test.TestContext): Promise<Fixture> {
  const repo = await createGitRepo(t, { "README.md": "fuzz\n" });
  const pipelines = await writePipelineDir(t, { "fz.gocd.yaml": yaml(repo.path) });
  const dataDir = await tempDir(t, "fawkes-fuzz-");
  const logLines: Fixture["logLines"] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n"))
        if (line) logLines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  const server = await startServer(
    compileServerOptions({
      dataDir,
      port: 0,
      cloudPort: 0,
      pipelineSources: [pipelines],
      pollIntervalMs: 0,
      agentLostAfterMs: 600_000,
    }),
    pino({ level: "debug" }, sink),
  );
  t.after(() => server.close());
  const user = { authorization: `Bearer ${server.apiToken}` };
  await waitFor(async () => (await fetch(`${server.url}${ApiRoutes.pipelines}`, { headers: user })).ok, {
    message: "the pipeline list",
  });
  const agentToken = (await registerAgent(server, server.autoRegisterKey, "scripted")).token;
  const pendingToken = (await registerAgent(server, server.agentKey, "pending-one")).token;
  const trigger = await fetch(`${server.url}${apiPath(ApiRoutes.trigger, { name: "fz" })}`, {
    method: "POST",
    headers: { ...user, "content-type": "application/json" },
    body: "{}",
  });
  assert.equal(trigger.status, 202, await trigger.text());
  // The scripted agent takes the job, so the job routes have a real lease to be fuzzed with.
  const assigned = await waitFor(
    async () => {
      const work = await fetch(`${server.url}/agent/v1/work`, {
        method: "POST",
        headers: { authorization: `Bearer ${agentToken}`, "content-type": "application/json" },
        body: JSON.stringify({ waitMs: 2_000 }),
      });
      const body = (await work.json()) as { job: { leaseId: string; jobRunId: number } | null };
      return body.job ?? undefined;
    },
    { message: "the job's assignment" },
  );
  return {
    server,
    userToken: server.apiToken,
    agentToken,
    pendingToken,
    leaseId: assigned.leaseId,
    jobRunId: assigned.jobRunId,
    dataDir,
    logLines,
  };
}

/** What a user can see of the server's state, minus what moves by itself (heartbeat times). */
async function snapshot(f: Fixture): Promise<string> {
  const headers = { authorization: `Bearer ${f.userToken}` };
  const parts: string[] = [];
  for (const route of [
    ApiRoutes.pipelines,
    apiPath(ApiRoutes.pipelineStatus, { name: "fz" }),
    ApiRoutes.agents,
    ApiRoutes.credentials,
    ApiRoutes.buckets,
    ApiRoutes.configErrors,
  ]) {
    const response = await fetch(`${f.server.url}${route}`, { headers });
    parts.push(`${route} ${response.status} ${await response.text()}`);
  }
  const files = await readdir(path.join(f.dataDir, "artifacts"), { recursive: true }).catch(() => []);
  parts.push(files.sort().join(","));
  return parts.join("\n").replace(/"lastHeartbeatAt":\d+/g, "");
}

type Auth = "none" | "garbage" | "user" | "agent" | "pending-agent" | "cookie";

/** A value for a `:param`: mostly the fixture's real one, so that requests get past lookups. */
function paramValue(name: string, jobRunId: number): fc.Arbitrary<string> {
  const real: Record<string, string> = {
    jobRunId: String(jobRunId),
    name: "fz",
    pipeline: "fz",
    counter: "1",
    stage: "build",
    stageCounter: "1",
    job: "work",
    agent: "pending-one",
    bucket: "fawkes-artifacts",
  };
  const hostile = fc.oneof(
    fc.constantFrom("..", "%2e%2e", "-1", "0", "1e308", "NaN", "99999999999999999999", "%00", "a%2Fb", "é"),
    fc.string({ maxLength: 40 }).map(encodeURIComponent),
    fc.string({ minLength: 300, maxLength: 2000 }).map(encodeURIComponent),
  );
  return real[name]
    ? fc.oneof({ weight: 3, arbitrary: fc.constant(real[name]) }, { weight: 2, arbitrary: hostile })
    : hostile;
}

const printable = (max: number) =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: max,
  });

const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc
    .record({
      variables: fc.dictionary(
        fc.constantFrom("PATH", "LD_PRELOAD", "DECLARED", "TOKEN", "x"),
        printable(20),
      ),
      revisions: fc.dictionary(fc.constantFrom("src", "nope"), printable(50)),
      waitMs: fc.integer({ min: -5, max: 120_000 }),
      state: fc.constantFrom("preparing", "building", "completing", "completed", "nope"),
      result: fc.constantFrom("passed", "failed", "cancelled", "unknown", "nope"),
      runningLeases: fc.array(printable(70), { maxLength: 20 }),
      token: printable(40),
      reason: printable(1200),
      jobs: fc.array(printable(20), { maxLength: 3 }),
      url: fc.constantFrom("/tmp/x", "http://u:p@example.invalid/r.git", ""),
      name: printable(80),
    })
    .chain((full) =>
      fc
        .subarray(Object.keys(full))
        .map((keys) =>
          JSON.stringify(Object.fromEntries(keys.map((k) => [k, full[k as keyof typeof full]]))),
        ),
    ),
  fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a)),
  printable(2000),
);

interface Route {
  method: string;
  path: string;
  access: RouteAccess;
}

/** Which of the generated credentials a route's declared access lets through at all. */
const MAY_PASS: Record<RouteAccess, readonly Auth[]> = {
  public: ["none", "garbage", "user", "agent", "pending-agent", "cookie"],
  user: ["user"],
  agent: ["agent", "pending-agent"],
  "agent-lease": ["agent"],
  // The fixture's job fetches nothing: no artifact read may succeed, whoever asks.
  "agent-fetch": [],
};

const request = (routes: Route[], jobRunId: number) =>
  fc.constantFrom(...routes).chain((route) => {
    const params = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
    return fc.record({
      route: fc.constant(route),
      params: fc
        .tuple(...params.map((param) => paramValue(param, jobRunId)))
        .map((values) => Object.fromEntries(params.map((p, i) => [p, values[i]!]))),
      wildcard: fc.oneof(
        fc.constantFrom("out", "out/x", "../../keys/api-token", "%2e%2e/%2e%2e/fawkes.db", "%zz"),
        printable(60).map(encodeURI),
      ),
      query: fc.dictionary(
        fc.constantFrom(
          "limit",
          "offset",
          "path",
          "prefix",
          "key",
          "follow",
          "waitMs",
          "continuation",
          "from",
        ),
        printable(30),
        { maxKeys: 3 },
      ),
      auth: fc.constantFrom<Auth>(
        "none",
        "garbage",
        "user",
        "user",
        "agent",
        "agent",
        "pending-agent",
        "cookie",
      ),
      lease: fc.constantFrom("real", "none", "other"),
      contentType: fc.constantFrom(
        "application/json",
        "text/plain",
        "application/octet-stream",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin1",
        "garbage",
      ),
      origin: fc.constantFrom(undefined, "null", "http://evil.example", "::not a url::"),
      body,
    });
  });

type Generated = typeof request extends (...args: never[]) => fc.Arbitrary<infer T> ? T : never;

const LONG_POLLS = /\/(work|wait-cancel|events|console)$|follow/;

async function send(f: Fixture, r: Generated): Promise<{ status: number; text: string } | "timed out"> {
  let target = r.route.path
    .replace(/:([A-Za-z]+)/g, (_, p: string) => r.params[p] ?? "x")
    .replace("*", r.wildcard);
  const qs = new URLSearchParams(r.query as Record<string, string>).toString();
  if (qs) target += `?${qs}`;
  const headers: Record<string, string> = { "content-type": r.contentType };
  const bearer: Partial<Record<Auth, string>> = {
    garbage: "Bearer not-a-token",
    user: `Bearer ${f.userToken}`,
    agent: `Bearer ${f.agentToken}`,
    "pending-agent": `Bearer ${f.pendingToken}`,
  };
  if (bearer[r.auth]) headers.authorization = bearer[r.auth]!;
  if (r.auth === "cookie") headers.cookie = "fawkes_session=1.forged";
  if (r.lease === "real") headers[AgentHeader.lease] = f.leaseId;
  if (r.lease === "other") headers[AgentHeader.lease] = "00000000-0000-4000-8000-000000000000";
  if (r.origin !== undefined) headers.origin = r.origin;
  const method = r.route.method;
  try {
    const response = await fetch(`${f.server.url}${target}`, {
      method,
      headers,
      ...(r.body !== undefined && method !== "GET" && method !== "HEAD" && { body: r.body }),
      signal: AbortSignal.timeout(LONG_POLLS.test(r.route.path) ? 1_500 : 20_000),
    });
    // A stream (events, a followed console) answers its headers at once: read what is there, then let go.
    const text = response.headers.get("content-type")?.startsWith("text/event-stream")
      ? ""
      : await response.text();
    if (!response.bodyUsed) await response.body?.cancel();
    return { status: response.status, text };
  } catch (error) {
    if ((error as Error).name === "TimeoutError" && LONG_POLLS.test(r.route.path)) return "timed out";
    throw error;
  }
}

test(
  "generated requests to every registered route: no 5xx, no crash, nothing without credentials, no change when refused",
  { timeout: 300_000 },
  async (t) => {
    const f = await setUp(t);
    const routes = f.server.routes.map((r) => ({ method: r.method, path: r.path, access: r.access }));
    assert.ok(routes.length > 30, `only ${routes.length} routes registered`);
    await snapshot(f); // the first bucket listing creates the UI's internal access key
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(request(routes, f.jobRunId), async (r) => {
        seen.add(`${r.route.method} ${r.route.path}`);
        const before = await snapshot(f);
        const answer = await send(f, r);
        if (answer === "timed out") return;
        const what = `${r.route.method} ${r.route.path} (${r.auth}) → ${answer.status}: ${answer.text.slice(0, 300)}`;
        assert.ok(answer.status < 500, what);
        if (!MAY_PASS[r.route.access].includes(r.auth))
          assert.ok(answer.status >= 400, `${r.route.access} route let ${r.auth} through: ${what}`);
        if (answer.status >= 400) assert.equal(await snapshot(f), before, `refused, yet changed: ${what}`);
      }),
      {
        numRuns: Number(process.env.FAWKES_FUZZ_RUNS ?? 600),
        seed: Number(process.env.FAWKES_FUZZ_SEED ?? 20261207),
      },
    );
    assert.ok(seen.size >= routes.length * 0.8, `only ${seen.size} of ${routes.length} routes were tried`);
    const health = await fetch(`${f.server.url}${ApiRoutes.health}`);
    assert.equal(health.status, 200);
    const errors = f.logLines.filter((line) => line.level >= 50);
    assert.deepEqual(errors, [], JSON.stringify(errors.slice(0, 3)));
  },
);
