/**
 * The `aws` wrapper the agent puts first on a job's PATH when the job has a cloud endpoint: it adds
 * `--endpoint-url "$AWS_ENDPOINT_URL"` for awscli < 2.13 (which ignores the variable) and otherwise stays out of
 * the way. Tested against a fake `aws` that prints its arguments, then inside real jobs.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { installAwsWrapper } from "../src/job/aws-wrapper.ts";
import {
  jobAssignment,
  runToCompletion,
  sh,
  startServer,
  startTestAgent,
  tempDir,
} from "./support/helpers.ts";

/** A fake `aws` printing `real-aws` and then each argument on its own line. */
async function fakeAws(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "aws"), '#!/bin/sh\necho real-aws\nfor a in "$@"; do echo "[$a]"; done\n', {
    mode: 0o755,
  });
  return dir;
}

function run(file: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(file, args, { env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test("the wrapper adds --endpoint-url once, keeps arguments intact, and skips itself on PATH", async (t) => {
  const root = await tempDir(t);
  const bin = await installAwsWrapper(join(root, "work"));
  const real = await fakeAws(join(root, "real bin"));
  // The wrapper's own directory twice (as nested PATH edits do) must not make it call itself.
  const PATH = [bin, bin, real, "/usr/bin", "/bin"].join(":");
  const wrapper = join(bin, "aws");
  const endpoint = "http://127.0.0.1:8154";

  const added = await run(
    wrapper,
    ["s3", "cp", "a b/", "s3://x/", "--exclude", "*", "--include", "app-*-7*"],
    {
      PATH,
      AWS_ENDPOINT_URL: endpoint,
    },
  );
  assert.equal(added.code, 0, added.stderr);
  assert.equal(
    added.stdout,
    ["real-aws", "[--endpoint-url]", `[${endpoint}]`, "[s3]", "[cp]", "[a b/]", "[s3://x/]"]
      .concat(["[--exclude]", "[*]", "[--include]", "[app-*-7*]"])
      .join("\n") + "\n",
  );

  const explicit = await run(wrapper, ["--endpoint-url=http://elsewhere", "s3", "ls"], {
    PATH,
    AWS_ENDPOINT_URL: endpoint,
  });
  assert.equal(explicit.stdout, "real-aws\n[--endpoint-url=http://elsewhere]\n[s3]\n[ls]\n");
  const explicitSpaced = await run(wrapper, ["s3", "ls", "--endpoint-url", "http://elsewhere"], {
    PATH,
    AWS_ENDPOINT_URL: endpoint,
  });
  assert.equal(explicitSpaced.stdout, "real-aws\n[s3]\n[ls]\n[--endpoint-url]\n[http://elsewhere]\n");

  const noEndpoint = await run(wrapper, ["s3", "ls"], { PATH });
  assert.equal(noEndpoint.stdout, "real-aws\n[s3]\n[ls]\n");

  const missing = await run(wrapper, ["s3", "ls"], {
    PATH: [bin, "/nonexistent"].join(":"),
    AWS_ENDPOINT_URL: endpoint,
  });
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /aws: command not found/);

  // Wrappers of two agents on one PATH (an agent inside a job) call each other once, then the real aws.
  const outer = await installAwsWrapper(join(root, "outer"));
  const nested = await run(join(outer, "aws"), ["s3", "ls"], {
    PATH: [outer, bin, real, "/usr/bin", "/bin"].join(":"),
    AWS_ENDPOINT_URL: endpoint,
  });
  assert.equal(nested.stdout, `real-aws\n[--endpoint-url]\n[${endpoint}]\n[s3]\n[ls]\n`, nested.stderr);

  // Installing again leaves a working, executable script.
  assert.equal(await installAwsWrapper(join(root, "work")), bin);
  assert.equal((await run(wrapper, ["x"], { PATH })).stdout, "real-aws\n[x]\n");
});

test("jobs with AWS_ENDPOINT_URL get the wrapper first on PATH; other jobs do not", async (t) => {
  const server = await startServer(t);
  const workDir = await tempDir(t);
  await startTestAgent(t, server, workDir);
  const real = await fakeAws(join(await tempDir(t), "tools"));
  const path = `${real}:${process.env.PATH ?? "/usr/bin:/bin"}`;

  const withCloud = jobAssignment({
    environment: [
      { name: "PATH", value: path, secure: false },
      { name: "AWS_ENDPOINT_URL", value: "http://127.0.0.1:9999", secure: false },
    ],
    tasks: [sh('command -v aws; aws s3 cp packages/ s3://bucket/ --recursive --include "application-*"')],
  });
  assert.equal(await runToCompletion(server, withCloud), "passed");
  const text = server.consoleText(withCloud.jobRunId);
  assert.ok(text.includes(`${join(workDir, "bin", "aws")}\n`), text);
  assert.ok(
    text.includes("real-aws\n[--endpoint-url]\n[http://127.0.0.1:9999]\n[s3]\n[cp]\n[packages/]\n"),
    text,
  );

  const plain = jobAssignment({
    environment: [{ name: "PATH", value: path, secure: false }],
    tasks: [sh("command -v aws")],
  });
  assert.equal(await runToCompletion(server, plain), "passed");
  assert.ok(server.consoleText(plain.jobRunId).includes(`${join(real, "aws")}\n`));
});

test("a task runs this checkout's CLI as `fawkes`", async (t) => {
  const root = await tempDir(t);
  const bin = await installAwsWrapper(join(root, "work"));
  const help = await run(join(bin, "fawkes"), ["stack", "--help"], { PATH: "/usr/bin:/bin" });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: fawkes stack/m);
});
