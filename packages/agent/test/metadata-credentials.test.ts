import assert from "node:assert/strict";
import { test } from "node:test";
import type { RoleCredentials } from "@fawkes/protocol";
import { RoleCredentialsCache, roleVariables } from "../src/job/metadata-credentials.ts";

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 7, 15, 0, 0);

function issued(n: number, expiration: number): RoleCredentials {
  return {
    roleArn: "arn:aws:iam::000000000000:role/fawkes-ci",
    roleName: "fawkes-ci",
    accessKeyId: `ASIAFAKE${String(n).padStart(12, "0")}`,
    secretAccessKey: `secret-${n}`,
    sessionToken: `token-${n}`,
    expiration,
  };
}

/** A cache over a scripted server and a clock the test moves. */
function harness(staleAfterMs = 500) {
  const clock = { now: T0 };
  const received: string[][] = [];
  const stale: unknown[] = [];
  let calls = 0;
  let answer: () => Promise<RoleCredentials | null> = () =>
    Promise.resolve(issued(calls, clock.now + 60 * MINUTE));
  const cache = new RoleCredentialsCache({
    fetch: () => {
      calls++;
      return answer();
    },
    onReceived: (values) => received.push(values),
    onStale: (error) => stale.push(error),
    now: () => clock.now,
    staleAfterMs,
  });
  return {
    cache,
    clock,
    received,
    stale,
    calls: () => calls,
    answer(next: () => Promise<RoleCredentials | null>) {
      answer = next;
    },
  };
}

test("credentials are kept until 15 minutes before they expire, then asked for again", async () => {
  const h = harness();
  const first = await h.cache.get();
  assert.equal(first?.accessKeyId, "ASIAFAKE000000000001");
  assert.equal(h.calls(), 1);
  h.clock.now = T0 + 44 * MINUTE; // 16 minutes left
  assert.equal((await h.cache.get())?.accessKeyId, "ASIAFAKE000000000001");
  assert.equal(h.calls(), 1, "no request while more than 15 minutes remain");
  h.clock.now = T0 + 45 * MINUTE + 1; // just under 15 minutes left
  const renewed = await h.cache.get();
  assert.equal(renewed?.accessKeyId, "ASIAFAKE000000000002");
  assert.equal(h.calls(), 2);
  assert.equal((await h.cache.get())?.accessKeyId, "ASIAFAKE000000000002");
  assert.equal(h.calls(), 2);
});

test("every credential value received is handed to the masker before it is served", async () => {
  const h = harness();
  const credentials = await h.cache.get();
  assert.deepEqual(h.received, [
    [credentials!.accessKeyId, credentials!.secretAccessKey, credentials!.sessionToken],
  ]);
  h.clock.now = T0 + 50 * MINUTE;
  await h.cache.get();
  assert.equal(h.received.length, 2);
  assert.deepEqual(h.received[1], ["ASIAFAKE000000000002", "secret-2", "token-2"]);
});

test("a failed refresh serves the still-valid credentials; expired ones are not served", async () => {
  const h = harness();
  await h.cache.get();
  h.answer(() => Promise.reject(new Error("server unreachable")));
  h.clock.now = T0 + 50 * MINUTE; // 10 minutes left: refresh, which fails
  assert.equal((await h.cache.get())?.accessKeyId, "ASIAFAKE000000000001");
  assert.equal(h.stale.length, 1);
  h.clock.now = T0 + 60 * MINUTE; // expired
  await assert.rejects(h.cache.get(), /server unreachable/);
  h.answer(() => Promise.resolve(issued(9, h.clock.now + 60 * MINUTE)));
  assert.equal((await h.cache.get())?.accessKeyId, "ASIAFAKE000000000009");
});

test("a slow refresh serves the still-valid credentials at once and lands for the next reader", async () => {
  const h = harness(20);
  await h.cache.get();
  let release!: (value: RoleCredentials) => void;
  h.answer(() => new Promise((resolve) => (release = resolve)));
  h.clock.now = T0 + 50 * MINUTE;
  assert.equal((await h.cache.get())?.accessKeyId, "ASIAFAKE000000000001");
  assert.equal(h.calls(), 2);
  // A second reader while the refresh is still out shares it.
  assert.equal((await h.cache.get())?.accessKeyId, "ASIAFAKE000000000001");
  assert.equal(h.calls(), 2);
  release(issued(7, h.clock.now + 60 * MINUTE));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal((await h.cache.get())?.accessKeyId, "ASIAFAKE000000000007");
  assert.equal(h.calls(), 2);
});

test("the first request waits for the server; concurrent readers share one request", async () => {
  const h = harness();
  const [a, b, c] = await Promise.all([h.cache.get(), h.cache.get(), h.cache.get()]);
  assert.equal(h.calls(), 1);
  assert.equal(a, b);
  assert.equal(b, c);
});

test("a job without a role is asked about once", async () => {
  const h = harness();
  h.answer(() => Promise.resolve(null));
  assert.equal(await h.cache.get(), null);
  assert.equal(await h.cache.get(), null);
  assert.equal(h.calls(), 1);
  assert.deepEqual(h.received, []);
});

test("with no credentials yet, a failure reaches the reader and the next reader asks again", async () => {
  const h = harness();
  h.answer(() => Promise.reject(new Error("lease lost")));
  await assert.rejects(h.cache.get(), /lease lost/);
  assert.equal(h.stale.length, 0);
  h.answer(() => Promise.resolve(issued(3, h.clock.now + 60 * MINUTE)));
  assert.equal((await h.cache.get())?.accessKeyId, "ASIAFAKE000000000003");
});

test("each task's environment carries the role's credentials, renewed when they run short", async () => {
  const clock = { now: T0 };
  const received: string[][] = [];
  let calls = 0;
  const first = issued(1, T0 + 60 * MINUTE);
  const cache = new RoleCredentialsCache({
    initial: first,
    fetch: async () => issued(++calls + 1, clock.now + 60 * MINUTE),
    onReceived: (values) => received.push(values),
    now: () => clock.now,
  });
  assert.deepEqual(
    received,
    [[first.accessKeyId, first.secretAccessKey, first.sessionToken]],
    "masked at once",
  );
  const env: Record<string, string> = { PATH: "/bin" };
  const beforeTask = roleVariables({ roleCredentials: first, environment: [] }, env, () => cache.get());
  assert.ok(beforeTask);
  await beforeTask();
  assert.equal(env.AWS_ACCESS_KEY_ID, first.accessKeyId);
  assert.equal(env.AWS_SECRET_ACCESS_KEY, first.secretAccessKey);
  assert.equal(env.AWS_SESSION_TOKEN, first.sessionToken);
  assert.equal(calls, 0, "the assignment's credentials need no request");
  clock.now = T0 + 44 * MINUTE;
  await beforeTask();
  assert.equal(env.AWS_ACCESS_KEY_ID, first.accessKeyId, "16 minutes left: still these");
  clock.now = T0 + 46 * MINUTE;
  await beforeTask();
  assert.equal(calls, 1);
  assert.equal(
    env.AWS_ACCESS_KEY_ID,
    issued(2, 0).accessKeyId,
    "14 minutes left: the next task gets new ones",
  );
  assert.equal(env.PATH, "/bin");
});

test("no role, or the job's own keys: the agent sets no credential variable and asks for none", async () => {
  let calls = 0;
  const none = new RoleCredentialsCache({
    initial: null,
    fetch: async () => (calls++, null),
    onReceived: () => {},
  });
  assert.equal(await none.get(), null);
  assert.equal(calls, 0, "a job without a role never asks");
  assert.equal(
    roleVariables({ environment: [] }, {}, () => none.get()),
    undefined,
  );
  const own = roleVariables(
    {
      roleCredentials: issued(1, T0),
      environment: [{ name: "AWS_ACCESS_KEY_ID", value: "mine", secure: true }],
    },
    {},
    () => none.get(),
  );
  assert.equal(own, undefined, "a job that sets its own keys keeps them");
});
