import assert from "node:assert/strict";
import test from "node:test";
import { CleanupStack, onCleanup, waitFor, WaitTimeoutError } from "@fawkes/testing";

test("waitFor returns the first truthy value", async () => {
  let calls = 0;
  const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 1 });
  assert.deepEqual(value, { calls: 3 });
});

test("waitFor treats a throwing check as not yet and accepts async checks", async () => {
  let calls = 0;
  const value = await waitFor(
    async () => {
      calls += 1;
      if (calls < 3) throw new Error("not ready");
      return "ready";
    },
    { intervalMs: 1 },
  );
  assert.equal(value, "ready");
});

test("waitFor fails after its deadline, naming what it waited for and the last error", async () => {
  const started = Date.now();
  await assert.rejects(
    waitFor(
      () => {
        throw new Error("still broken");
      },
      { timeoutMs: 100, intervalMs: 10, message: "the thing" },
    ),
    (error: unknown) =>
      error instanceof WaitTimeoutError &&
      /the thing/.test(error.message) &&
      /still broken/.test(error.message),
  );
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 100 && elapsed < 1000, `elapsed ${elapsed} ms`);
});

test("waitFor reports the last value when the condition never holds", async () => {
  await assert.rejects(
    waitFor(() => false, { timeoutMs: 30, intervalMs: 5 }),
    /last value: false/,
  );
});

test("waitFor stops early when abortIf gives a reason", async () => {
  let calls = 0;
  await assert.rejects(
    waitFor(() => undefined, {
      timeoutMs: 5000,
      intervalMs: 1,
      abortIf: () => (++calls > 2 ? "process died" : undefined),
    }),
    /process died/,
  );
});

test("cleanups registered with onCleanup run newest first", async () => {
  const order: string[] = [];
  const scope = new CleanupStack();
  onCleanup(scope, () => order.push("temp dir"));
  onCleanup(scope, () => order.push("server"));
  onCleanup(scope, async () => order.push("agent"));
  await scope.close();
  assert.deepEqual(order, ["agent", "server", "temp dir"]);
});

test("a failing cleanup does not stop the others, and its error is reported", async () => {
  const order: string[] = [];
  const scope = new CleanupStack();
  onCleanup(scope, () => order.push("first"));
  onCleanup(scope, () => {
    throw new Error("boom");
  });
  await assert.rejects(scope.close(), /boom/);
  assert.deepEqual(order, ["first"]);
});
