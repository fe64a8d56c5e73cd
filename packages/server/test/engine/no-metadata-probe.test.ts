/**
 * Every process the server starts is told not to look for cloud credentials at the EC2 metadata address
 * (AWS_EC2_METADATA_DISABLED=true), even when the server itself was given a metadata endpoint: its git (and
 * whatever git starts) and the config parser.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import test, { type TestContext } from "node:test";
import { ConfigParser } from "../../src/engine/config-parser.ts";
import { runGit } from "../../src/materials/index.ts";

/** As if the server ran inside a job (or an instance) with an endpoint and without the variable. */
function inheritEndpoint(t: TestContext): void {
  const saved = {
    endpoint: process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT,
    disabled: process.env.AWS_EC2_METADATA_DISABLED,
  };
  process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = "http://127.0.0.1:9/";
  delete process.env.AWS_EC2_METADATA_DISABLED;
  t.after(() => {
    if (saved.endpoint === undefined) delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
    else process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = saved.endpoint;
    if (saved.disabled === undefined) delete process.env.AWS_EC2_METADATA_DISABLED;
    else process.env.AWS_EC2_METADATA_DISABLED = saved.disabled;
  });
}

test("the server's git, and what git runs, gets AWS_EC2_METADATA_DISABLED=true and no endpoint", async (t) => {
  inheritEndpoint(t);
  // An alias starting with `!` runs through the shell with git's environment: `env` prints it.
  const result = await runGit(["-c", "alias.fawkes-env=!env", "fawkes-env"], { cwd: "/" });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^AWS_EC2_METADATA_DISABLED=true$/m);
  assert.doesNotMatch(result.stdout, /AWS_EC2_METADATA_SERVICE_ENDPOINT/);
  // Credentialed calls build their environment on the same base.
  const withCredentials = await runGit(["-c", "alias.fawkes-env=!env", "fawkes-env"], {
    cwd: "/",
    credentials: { username: "u", password: "p" },
    credentialsFor: "https://example.com/repo.git",
  });
  assert.match(withCredentials.stdout, /^AWS_EC2_METADATA_DISABLED=true$/m);
});

test("the config parsing process gets AWS_EC2_METADATA_DISABLED=true and no endpoint", async (t) => {
  inheritEndpoint(t);
  const before = new Set(await childrenOfThisProcess());
  const parser = new ConfigParser({ idleMs: 60_000 });
  t.after(() => parser.close());
  await parser.parse([{ path: "empty.gocd.yaml", text: "format_version: 10\npipelines: {}\n" }], 1024 * 1024);
  const started = (await childrenOfThisProcess()).filter((pid) => !before.has(pid));
  assert.equal(started.length, 1, "the parser process is running");
  const environ = (await readFile(`/proc/${started[0]}/environ`, "utf8")).split("\0");
  assert.ok(environ.includes("AWS_EC2_METADATA_DISABLED=true"));
  assert.ok(!environ.some((entry) => entry.startsWith("AWS_EC2_METADATA_SERVICE_ENDPOINT=")));
});

async function childrenOfThisProcess(): Promise<number[]> {
  const text = await readFile(`/proc/${process.pid}/task/${process.pid}/children`, "utf8");
  return text
    .split(" ")
    .filter((part) => part !== "")
    .map(Number);
}
