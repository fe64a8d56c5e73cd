/**
 * Task processes end with their job and with their agent, however it ends; no "cancelled" for a completed job
 * (the real server's side of that is in server/test/e2e/private-git-material.test.ts).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { ProcessLedger } from "../src/job/leftover-processes.ts";
import {
  jobAssignment,
  runToCompletion,
  sh,
  startServer,
  startTestAgent,
  tempDir,
  uniqueSleep,
  waitFor,
} from "./support/helpers.ts";

test("a job that completes normally is not logged as cancelled", async (t) => {
  const server = await startServer(t);
  const lines: string[] = [];
  await startTestAgent(t, server, undefined, (level, message) => lines.push(`${level} ${message}`));
  // Longer than the agent waits before it opens the job's wait-cancel poll, which the server ends at completion.
  for (const result of ["passed", "failed"] as const) {
    const job = jobAssignment({
      tasks: [sh(result === "passed" ? "sleep 0.5; echo ok" : "sleep 0.5; exit 3")],
    });
    assert.equal(await runToCompletion(server, job), result);
  }
  await waitFor(
    "both completions logged",
    () => lines.filter((line) => line === "info job completed").length === 2,
  );
  assert.ok(!lines.includes("info job cancelled"), lines.join("\n"));
});

test("processes that left their task's group (setsid) still end with the job", async (t) => {
  const server = await startServer(t);
  await startTestAgent(t, server);
  const escaped = uniqueSleep();
  const job = jobAssignment({ tasks: [sh(`setsid ${escaped.command} > /dev/null 2>&1 & echo started`)] });
  const record = server.assign(job);
  await waitFor("the job's result", () => record.result !== undefined);
  assert.equal(record.result, "passed");
  // In a PID namespace the job's end takes the setsid process with it; without one it is left to the ledger.
  await waitFor("the setsid process to end", async () => !(await escaped.alive()), 10_000);
});

test("an agent started on a work dir kills what its previous life recorded, never a reused pid", async (t) => {
  const workDir = await tempDir(t);
  const previous = new ProcessLedger(workDir);
  const leftover = uniqueSleep();
  const [command, ...args] = leftover.command.split(" ");
  const child = spawn(command!, args, { detached: true, stdio: "ignore" });
  t.after(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // Gone, as it should be.
    }
  });
  previous.record(child.pid!, true);
  await waitFor("the leftover to run", () => leftover.alive());

  // A record whose pid now names another process (different start time) is left alone: here, this process.
  const ledgerFile = `${workDir}/processes.json`;
  const { readFile, writeFile } = await import("node:fs/promises");
  const records = JSON.parse(await readFile(ledgerFile, "utf8")) as {
    pid: number;
    startTime: string;
    group: boolean;
  }[];
  records.push({ pid: process.pid, startTime: "1", group: false });
  await writeFile(ledgerFile, JSON.stringify(records));

  const warnings: string[] = [];
  new ProcessLedger(workDir).killLeftovers((level, message) => warnings.push(`${level} ${message}`));
  await waitFor("the leftover to be killed", async () => !(await leftover.alive()));
  assert.deepEqual(warnings, ["warn killed processes left by a previous run of the agent"]);
});
