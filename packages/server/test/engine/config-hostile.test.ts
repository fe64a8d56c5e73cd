/**
 * Hostile config files committed to a config repository (a file just under the size limit, one over it, an
 * alias bomb, 10,000 levels of nesting): each is reported with its file, valid pipelines keep loading, and the
 * API keeps answering fast throughout, since parsing happens in its own process.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import test from "node:test";
import type { ConfigHealthDto, PipelineListDto } from "@fawkes/protocol";
import { createGitRepo, startServerProcess, waitFor } from "@fawkes/testing";

const LIMIT = 1024 * 1024;

/** Milliseconds one GET takes, its body read. */
async function timed(url: string): Promise<number> {
  const start = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  assert.equal(response.status, 200);
  return performance.now() - start;
}

/** A bare HTTP server in its own process, for the floor of every probe; stopped when the test ends. */
async function startControlServer(t: test.TestContext): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `require("node:http").createServer((q, s) => s.end("ok")).listen(0, "127.0.0.1", function () { console.log(this.address().port); })`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  t.after(() => void child.kill());
  const [line] = (await once(child.stdout, "data")) as [Buffer];
  return `http://127.0.0.1:${line.toString().trim()}/`;
}

const pipeline = (name: string) => `format_version: 10
pipelines:
  ${name}:
    materials: {code: {git: "https://example.com/code.git"}}
    stages: [{build: {jobs: {compile: {tasks: [{exec: {command: make}}]}}}}]
`;

/** An environment with as many variables as fit in `bytes` (a valid file, and a large one). */
function hugeMapping(bytes: number): string {
  const lines = ["environments:\n  big:\n    environment_variables:\n"];
  let size = lines[0]!.length;
  for (let i = 0; ; i++) {
    const line = `      VARIABLE_${i}: value-${i}\n`;
    if (size + line.length > bytes) break;
    lines.push(line);
    size += line.length;
  }
  return lines.join("");
}

function aliasBomb(): string {
  const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let level = 1; level < 9; level++)
    lines.push(
      `a${level}: &a${level} [${Array(10)
        .fill(`*a${level - 1}`)
        .join(", ")}]`,
    );
  return lines.join("\n") + "\n";
}

test(
  "hostile config files are reported with file and limit while the API keeps answering within 100 ms",
  { timeout: 120_000 },
  async (t) => {
    const config = await createGitRepo(t, { "steady.gocd.yaml": pipeline("steady") });
    const server = await startServerProcess(t, { pipelines: [config.url] });
    const { api } = server;
    const names = async () =>
      (await api.get<PipelineListDto>("/api/v1/pipelines")).pipelines.map((p) => p.name);
    await waitFor(async () => ((await names()).includes("steady") ? true : undefined), {
      message: "the steady pipeline",
    });

    const control = await startControlServer(t);
    // Both connections warm before the clock starts.
    await timed(`${server.url}/api/v1/health`);
    await timed(control);

    const over = hugeMapping(LIMIT + 4096);
    await config.commit(
      {
        "under.gocd.yaml": hugeMapping(LIMIT - 16),
        "over.gocd.yaml": over,
        "bomb.gocd.yaml": aliasBomb(),
        "deep.gocd.yaml": `environments: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`,
        "added.gocd.yaml": pipeline("added"),
      },
      "hostile config",
    );
    await api.notify(config.url);

    // Probe health back to back until the config errors are in; every answer must be fast. Each probe is paired
    // with one to a bare HTTP server in another process (the floor: what this machine's load alone costs), so
    // a busy host is not mistaken for a stalled server, while a stall of the event loop still shows in full.
    const latencies: number[] = [];
    const beyondFloor: number[] = [];
    let errors: ConfigHealthDto["errors"] = [];
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const health = await timed(`${server.url}/api/v1/health`);
      const floor = await timed(control);
      latencies.push(health);
      beyondFloor.push(health - floor);
      if (latencies.length % 10 === 0) {
        errors = (await api.get<ConfigHealthDto>("/api/v1/config/errors")).errors;
        if (errors.length > 0) break;
      }
    }
    assert.ok(errors.length > 0, "the config errors were reported within 60 s");

    const byFile = new Map(errors.map((error) => [error.file.replace(/^.*\//, ""), error]));
    assert.deepEqual([...byFile.keys()].sort(), ["bomb.gocd.yaml", "deep.gocd.yaml", "over.gocd.yaml"]);
    assert.equal(
      byFile.get("over.gocd.yaml")!.message,
      `file is ${Buffer.byteLength(over)} bytes, over the limit of ${LIMIT} bytes (--config-max-bytes)`,
    );
    assert.match(byFile.get("bomb.gocd.yaml")!.message, /aliases expand the document by more than/);
    assert.match(byFile.get("deep.gocd.yaml")!.message, /nesting deeper than 100 levels/);
    assert.deepEqual((await names()).sort(), ["added", "steady"]);

    const worst = Math.max(...beyondFloor);
    t.diagnostic(
      `health: ${latencies.length} probes, slowest ${Math.max(...latencies).toFixed(1)} ms, ` +
        `at most ${worst.toFixed(1)} ms over the floor`,
    );
    assert.ok(latencies.length >= 10, "health was probed while the config was parsed");
    assert.ok(worst < 100, `GET /api/v1/health took up to ${worst.toFixed(1)} ms more than a bare server`);
  },
);
