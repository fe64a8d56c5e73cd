import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import {
  jobAssignment,
  uniqueSleep,
  runToCompletion,
  sh,
  startServer,
  startTestAgent,
  tempDir,
  waitFor,
} from "./support/helpers.ts";

test("cancel kills the whole process tree and runs on_cancel", async (t) => {
  const server = await startServer(t);
  await startTestAgent(t, server);
  const grandchild = uniqueSleep();
  const job = jobAssignment({
    tasks: [
      sh(`${grandchild.command} & echo started; sleep 1000`, {
        onCancel: sh("echo cleaning-up"),
      }),
      sh("echo after-cancel", { runIf: ["any"] }),
    ],
  });
  const record = server.assign(job);
  await waitFor("the task to start", () => server.consoleText(job.jobRunId).includes("started"));
  await waitFor("the background grandchild to run", () => grandchild.alive());

  server.cancel(job.jobRunId);
  await waitFor("the cancelled result", () => record.result !== undefined);
  assert.equal(record.result, "cancelled");
  assert.equal(await grandchild.alive(), false, "the background grandchild was killed with its group");
  const text = server.consoleText(job.jobRunId);
  assert.match(text, /Task cancelled/);
  assert.match(text, /^cleaning-up$/m);
  assert.doesNotMatch(text, /^after-cancel$/m, "no task starts after a cancel");
  assert.ok(!record.states.includes("completing"), "no artifacts on cancel");
});

test("a process that ignores SIGTERM is killed after the grace period", { timeout: 15_000 }, async (t) => {
  const server = await startServer(t);
  await startTestAgent(t, server);
  const job = jobAssignment({ tasks: [sh("trap '' TERM; echo stubborn; while :; do sleep 0.1; done")] });
  const record = server.assign(job);
  await waitFor("the task to start", () => server.consoleText(job.jobRunId).includes("stubborn"));
  const cancelledAt = Date.now();
  server.cancel(job.jobRunId);
  await waitFor("the cancelled result", () => record.result !== undefined, 12_000);
  assert.equal(record.result, "cancelled");
  assert.ok(Date.now() - cancelledAt >= 4_500, "SIGKILL only after the 5 s grace");
});

test("a revoked lease in a heartbeat cancels the job", async (t) => {
  const server = await startServer(t);
  await startTestAgent(t, server);
  const job = jobAssignment({ tasks: [sh("echo started; sleep 1000")] });
  const record = server.assign(job);
  await waitFor("the task to start", () => server.consoleText(job.jobRunId).includes("started"));
  server.revoked.add(job.leaseId);
  await waitFor("the cancelled result", () => record.result !== undefined);
  assert.equal(record.result, "cancelled");
  assert.ok(server.received.some((r) => r.path === "/agent/v1/heartbeat"));
});

test("no output for noOutputTimeoutMs kills the task and fails the job", async (t) => {
  const server = await startServer(t);
  await startTestAgent(t, server);
  const child = uniqueSleep();
  const job = jobAssignment({
    noOutputTimeoutMs: 600,
    tasks: [
      sh(`echo tick; sleep 0.3; echo tick; ${child.command} & wait`, {
        onCancel: sh("echo on-cancel-ran"),
      }),
      sh("echo next-task", { runIf: ["any"] }),
    ],
  });
  const record = server.assign(job);
  await waitFor("the result", () => record.result !== undefined);
  assert.equal(record.result, "failed");
  const text = server.consoleText(job.jobRunId);
  assert.match(text, /No console output for 0\.6 s: killing the task/);
  assert.equal((text.match(/^tick$/gm) ?? []).length, 2, "output before the silence is kept");
  assert.match(text, /^on-cancel-ran$/m);
  assert.doesNotMatch(text, /^next-task$/m);
  assert.equal(await child.alive(), false);
});

test("a background process lives through the job's later tasks and is stopped when the job ends", async (t) => {
  const server = await startServer(t);
  await startTestAgent(t, server);
  const dir = await tempDir(t);
  const pidFile = join(dir, "daemon.pid");
  const daemon = uniqueSleep();
  const job = jobAssignment({
    tasks: [
      // A "database" for the next task, writing to the console after its task has ended.
      sh(`(echo daemon-up; sleep 0.3; echo daemon-still-here; ${daemon.command}) & echo $! > ${pidFile}`),
      sh(`sleep 0.6; kill -0 $(cat ${pidFile}) && echo daemon-alive-in-task-2`),
    ],
  });
  assert.equal(await runToCompletion(server, job), "passed");
  assert.equal(await daemon.alive(), false, "stopped with the job");
  const text = server.consoleText(job.jobRunId);
  assert.match(text, /^daemon-alive-in-task-2$/m);
  assert.match(text, /^daemon-still-here$/m, "its output after its task ended is in the console");
  assert.match(text, /Stopping 1 process group\(s\) the tasks left running/);
});
