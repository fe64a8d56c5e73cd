import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import {
  git,
  jobAssignment,
  runToCompletion,
  sh,
  startServer,
  startTestAgent,
  tempDir,
  twoCommitRepo,
} from "./support/helpers.ts";

test("a passing job checks out the exact revision and reports each state", async (t) => {
  const server = await startServer(t);
  const workDir = await tempDir(t);
  await startTestAgent(t, server, workDir);
  const repo = await twoCommitRepo(t);
  const material = {
    name: "app",
    url: repo.url,
    branch: "main",
    revision: repo.first,
    destination: "src",
    shallowClone: false,
  };
  const job = jobAssignment({
    materials: [material],
    tasks: [sh('cat version.txt; echo "pipeline=$GO_PIPELINE_NAME"', { workingDirectory: "src" })],
  });

  assert.equal(await runToCompletion(server, job), "passed");
  const record = server.jobs.get(job.jobRunId)!;
  assert.deepEqual(record.states, ["preparing", "building"]);
  const consoleText = server.consoleText(job.jobRunId);
  assert.match(consoleText, /^one$/m, "the first commit is checked out, not the branch head");
  assert.match(consoleText, /pipeline=demo/);
  assert.match(consoleText, /\[fawkes\] Task: sh -c cat version.txt.* \(run_if passed\)/);
  assert.match(consoleText, /\[fawkes\] Task exited with code 0/);

  const checkout = join(workDir, "pipelines", "demo", "src");
  assert.equal(git(checkout, "rev-parse", "HEAD"), repo.first);
  assert.equal(git(checkout, "remote", "get-url", "origin"), repo.url);
  const jobCalls = server.received.filter((r) => r.path.startsWith("/agent/v1/jobs/"));
  assert.ok(
    jobCalls.every(
      (r) => r.headers["x-fawkes-lease"] === job.leaseId && /^Bearer /.test(String(r.headers.authorization)),
    ),
  );

  // A second job at the other revision reuses the mirror without cloning again.
  const second = jobAssignment({
    materials: [{ ...material, revision: repo.second }],
    tasks: [sh("cat src/version.txt")],
  });
  assert.equal(await runToCompletion(server, second), "passed");
  assert.match(server.consoleText(second.jobRunId), /^two$/m);
});

test("run_if decides which tasks run after a failure", async (t) => {
  const server = await startServer(t);
  await startTestAgent(t, server);
  const job = jobAssignment({
    tasks: [
      sh("echo first; exit 3"),
      sh("echo never-runs"),
      sh("echo on-failure", { runIf: ["failed"] }),
      sh("echo always", { runIf: ["any"] }),
    ],
  });
  assert.equal(await runToCompletion(server, job), "failed");
  const text = server.consoleText(job.jobRunId);
  assert.match(text, /Task exited with code 3/);
  assert.doesNotMatch(text, /^never-runs$/m);
  assert.match(text, /^on-failure$/m);
  assert.match(text, /^always$/m);

  const passing = jobAssignment({
    tasks: [
      sh("echo ok"),
      sh("echo on-failure", { runIf: ["failed"] }),
      sh("echo always", { runIf: ["any"] }),
    ],
  });
  assert.equal(await runToCompletion(server, passing), "passed");
  assert.doesNotMatch(server.consoleText(passing.jobRunId), /^on-failure$/m);
  assert.match(server.consoleText(passing.jobRunId), /^always$/m);
});

test("paths that escape the workspace are rejected", async (t) => {
  const server = await startServer(t);
  const workDir = await tempDir(t);
  await startTestAgent(t, server, workDir);
  const repo = await twoCommitRepo(t);
  const escaping = jobAssignment({
    materials: [
      {
        name: "app",
        url: repo.url,
        branch: "main",
        revision: repo.first,
        destination: "../../escaped",
        shallowClone: false,
      },
    ],
    tasks: [sh("echo should-not-run")],
  });
  assert.equal(await runToCompletion(server, escaping), "failed");
  assert.match(server.consoleText(escaping.jobRunId), /escapes/);
  assert.doesNotMatch(server.consoleText(escaping.jobRunId), /^should-not-run$/m);

  const badCwd = jobAssignment({ tasks: [sh("pwd", { workingDirectory: "../.." })] });
  assert.equal(await runToCompletion(server, badCwd), "failed");
  assert.match(server.consoleText(badCwd.jobRunId), /working directory '..\/..' escapes/);
});

test("FAWKES_* variables stay out of tasks and a missing command fails the task", async (t) => {
  process.env.FAWKES_SECRET_FOR_TEST = "agent-only";
  t.after(() => delete process.env.FAWKES_SECRET_FOR_TEST);
  const server = await startServer(t);
  await startTestAgent(t, server);
  const job = jobAssignment({ tasks: [sh('echo "value=[$FAWKES_SECRET_FOR_TEST]"')] });
  assert.equal(await runToCompletion(server, job), "passed");
  assert.match(server.consoleText(job.jobRunId), /value=\[\]/);

  const missing = jobAssignment({
    tasks: [
      {
        kind: "exec",
        command: "no-such-command-fawkes",
        arguments: [],
        workingDirectory: "",
        runIf: ["passed"],
        onCancel: null,
      },
    ],
  });
  assert.equal(await runToCompletion(server, missing), "failed");
  assert.match(server.consoleText(missing.jobRunId), /Could not start 'no-such-command-fawkes'/);
});

test("20 MB of output arrives byte for byte", async (t) => {
  const server = await startServer(t);
  await startTestAgent(t, server);
  const size = 20 * 1024 * 1024;
  const job = jobAssignment({ tasks: [sh(`head -c ${size} /dev/zero | tr '\\0' 'x'`)] });
  assert.equal(await runToCompletion(server, job, 20_000), "passed");
  const text = server.consoleText(job.jobRunId);
  const start = text.indexOf("\n", text.indexOf("[fawkes] Task: ")) + 1;
  const output = text.slice(start, text.indexOf("\n[fawkes] Task exited with code 0"));
  assert.equal(output.length, size);
  assert.match(output, /^x+$/);
  const times = server.jobs.get(job.jobRunId)!.consoleTimes;
  assert.ok(
    times.length > 1 && times.every((time) => Number.isInteger(time) && time > 0),
    "console time header on every batch",
  );
});

test("a multi-line script's task header is one console line: its first line and its length", async (t) => {
  const server = await startServer(t);
  await startTestAgent(t, server, await tempDir(t));
  const job = jobAssignment({ tasks: [sh("set -e\necho from-line-two\n\necho from-line-four\n")] });
  assert.equal(await runToCompletion(server, job), "passed");
  const lines = server.consoleText(job.jobRunId).split("\n");
  const header = lines.find((line) => line.includes("[fawkes] Task: "));
  assert.equal(header, "[fawkes] Task: sh -c set -e … (4 lines) (run_if passed)");
  assert.deepEqual(
    lines.filter((line) => line.includes("from-line")),
    ["from-line-two", "from-line-four"],
    "the script's lines appear only as its output",
  );
});
