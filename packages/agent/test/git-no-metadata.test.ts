/**
 * The agent's own git commands (mirrors, checkouts) and what they start run with AWS_EC2_METADATA_DISABLED=true
 * and no metadata endpoint, even when the agent inherited one: only a job's tasks get its endpoint. git's ssh
 * command is the witness: it writes its environment to a file. The agent reads GIT_SSH_COMMAND when it loads, so
 * this file sets it first and imports the agent afterwards.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

const dir = mkdtempSync(join(tmpdir(), "fawkes-git-env-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const dump = join(dir, "ssh-env");
const ssh = join(dir, "ssh");
writeFileSync(ssh, `#!/bin/sh\nenv > '${dump}'\nexit 1\n`, { mode: 0o755 });
process.env.GIT_SSH_COMMAND = ssh;
process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = "http://127.0.0.1:9/";
delete process.env.AWS_EC2_METADATA_DISABLED;

const { jobAssignment, runToCompletion, sh, startServer, startTestAgent } =
  await import("./support/helpers.ts");

test("the agent's git, and the ssh it starts, get AWS_EC2_METADATA_DISABLED=true and no endpoint", async (t) => {
  const server = await startServer(t);
  await startTestAgent(t, server);
  const job = jobAssignment({
    materials: [
      {
        name: "app",
        url: "ssh://git.example.invalid/app.git",
        branch: "main",
        revision: "0".repeat(40),
        destination: "src",
        shallowClone: false,
      },
    ],
    tasks: [sh("true")],
  });
  // The clone fails (the witness exits 1) after git has started it.
  assert.equal(await runToCompletion(server, job), "failed");
  const environment = readFileSync(dump, "utf8").split("\n");
  assert.ok(environment.includes("AWS_EC2_METADATA_DISABLED=true"));
  assert.ok(!environment.some((line) => line.startsWith("AWS_EC2_METADATA_SERVICE_ENDPOINT=")));
});
