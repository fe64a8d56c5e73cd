import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { FetchTask, JobLocator } from "@fawkes/protocol";
import {
  jobAssignment,
  runToCompletion,
  sh,
  startServer,
  startTestAgent,
  tempDir,
} from "./support/helpers.ts";

const sha256 = (body: Buffer | string): string => createHash("sha256").update(body).digest("hex");
const upstream: JobLocator = { pipeline: "up", counter: 7, stage: "package", stageCounter: 1, job: "pack" };

function fetchTask(source: string, destination: string, isFile: boolean): FetchTask {
  return { kind: "fetch", from: upstream, source, destination, isFile, runIf: ["passed"], onCancel: null };
}

test("artifacts upload at job end with GoCD's directory and glob rules, also on failure", async (t) => {
  const server = await startServer(t);
  await startTestAgent(t, server);
  const job = jobAssignment({
    tasks: [
      sh(
        "mkdir -p dist/sub build/reports && echo a > dist/a.txt && echo b > dist/sub/b.txt && echo app > app-1.tgz && echo r > build/reports/r.xml",
      ),
    ],
    artifacts: [
      { type: "build", source: "dist", destination: "out" },
      { type: "build", source: "*.tgz", destination: "" },
      { type: "test", source: "build/**/*.xml", destination: "tests" },
    ],
  });
  assert.equal(await runToCompletion(server, job), "passed");
  const record = server.jobs.get(job.jobRunId)!;
  // No materials to check out: the job skips `preparing`.
  assert.deepEqual(record.states, ["building", "completing"]);
  assert.deepEqual([...record.artifacts.keys()].sort(), [
    "app-1.tgz",
    "out/dist/a.txt",
    "out/dist/sub/b.txt",
    "tests/reports/r.xml",
  ]);
  assert.equal(record.artifacts.get("out/dist/sub/b.txt")!.body.toString(), "b\n");
  const put = server.received.find((r) => r.method === "PUT" && r.path.endsWith("/artifacts/app-1.tgz"))!;
  assert.equal(put.headers["x-fawkes-sha256"], sha256("app\n"));

  const failing = jobAssignment({
    tasks: [sh("echo partial > log.txt; exit 1")],
    artifacts: [{ type: "build", source: "log.txt", destination: "logs" }],
  });
  assert.equal(await runToCompletion(server, failing), "failed");
  assert.ok(server.jobs.get(failing.jobRunId)!.artifacts.has("logs/log.txt"));

  const missing = jobAssignment({
    tasks: [sh("true")],
    artifacts: [{ type: "build", source: "nothing/*.jar", destination: "" }],
  });
  assert.equal(await runToCompletion(server, missing), "failed");
  assert.match(server.consoleText(missing.jobRunId), /matched no file/);
});

test("fetch streams files into the destination and verifies their SHA-256", async (t) => {
  const server = await startServer(t);
  const workDir = await tempDir(t);
  await startTestAgent(t, server, workDir);
  server.publish(upstream, "pkg/app.tgz", Buffer.from("package bytes"));
  server.publish(upstream, "pkg/docs/readme.md", Buffer.from("# readme"));
  server.publish(upstream, "single.txt", Buffer.from("single"));

  const job = jobAssignment({
    cleanWorkspace: true,
    tasks: [
      fetchTask("pkg", "in", false),
      fetchTask("single.txt", "one", true),
      sh("cat in/pkg/app.tgz in/pkg/docs/readme.md one/single.txt"),
    ],
  });
  assert.equal(await runToCompletion(server, job), "passed");
  assert.match(server.consoleText(job.jobRunId), /package bytes# readmesingle/);

  server.publish(upstream, "pkg/app.tgz", Buffer.from("tampered bytes"), sha256("package bytes"));
  const tampered = jobAssignment({
    cleanWorkspace: true,
    tasks: [fetchTask("pkg/app.tgz", "in", true), sh("echo never")],
  });
  assert.equal(await runToCompletion(server, tampered), "failed");
  assert.match(server.consoleText(tampered.jobRunId), /checksum mismatch for pkg\/app.tgz/);
  assert.deepEqual(await readdir(join(workDir, "pipelines", "demo", "in")), [], "no partial file is left");

  const escaping = jobAssignment({ tasks: [fetchTask("single.txt", "../../outside", true)] });
  assert.equal(await runToCompletion(server, escaping), "failed");
  assert.match(server.consoleText(escaping.jobRunId), /escapes/);
  await assert.rejects(readFile(join(workDir, "outside", "single.txt")));
});

test("a fetch whose transfer is cut midway starts the file again, and gives up after five cuts", async (t) => {
  const server = await startServer(t);
  const workDir = await tempDir(t);
  await startTestAgent(t, server, workDir);
  const body = Buffer.alloc(256 * 1024, "artifact ");
  server.publish(upstream, "big.bin", body);

  server.cutDownloads = 2;
  const resumed = jobAssignment({
    cleanWorkspace: true,
    tasks: [fetchTask("big.bin", "in", true)],
  });
  assert.equal(await runToCompletion(server, resumed), "passed");
  assert.equal(server.cutDownloads, 0, "both cut transfers were tried");
  assert.deepEqual(await readFile(join(workDir, "pipelines", "demo", "in", "big.bin")), body);

  server.cutDownloads = 5;
  const abandoned = jobAssignment({
    cleanWorkspace: true,
    tasks: [fetchTask("big.bin", "in", true), sh("echo never")],
  });
  assert.equal(await runToCompletion(server, abandoned), "failed");
  assert.match(server.consoleText(abandoned.jobRunId), /Fetch failed/);
  assert.deepEqual(await readdir(join(workDir, "pipelines", "demo", "in")), [], "no partial file is left");
});
