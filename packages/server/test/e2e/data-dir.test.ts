/**
 * The data directory belongs to one server: a second server on it refuses to start, naming the holder's pid,
 * and leaves the first one's files alone; the lock dies with its process (kill -9 included). A data directory
 * written with a loose umask is made private at start, with one log line.
 */
import assert from "node:assert/strict";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import test from "node:test";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { startServerProcess, tempDir } from "@fawkes/testing";
import { pino, type Logger } from "pino";
import { compileServerOptions, startServer } from "../../src/index.ts";

const options = (dataDir: string) => compileServerOptions({ dataDir, port: 0, cloudPort: 0 }, {});

/** A logger whose JSON lines the test can read. */
function capturedLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger: Logger = pino({ level: "info" }, sink);
  const lines = () =>
    chunks
      .join("")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines };
}

test(
  "a second server on a data directory in use refuses to start and changes nothing",
  { timeout: 60_000 },
  async (t) => {
    const dataDir = await tempDir(t, "fawkes-data-");
    const first = await startServer(options(dataDir), pino({ level: "silent" }));
    t.after(() => first.close());
    const serverJson = await readFile(path.join(dataDir, "server.json"), "utf8");

    await assert.rejects(
      startServer(options(dataDir), pino({ level: "silent" })),
      (error: unknown) =>
        error instanceof FawkesError &&
        error.code === ErrorCode.dataDirInUse &&
        error.message.includes(`pid ${process.pid}`) &&
        error.message.includes(dataDir),
    );
    assert.equal(
      await readFile(path.join(dataDir, "server.json"), "utf8"),
      serverJson,
      "server.json is kept",
    );
    const health = await fetch(`${first.url}/api/v1/health`);
    assert.equal(health.status, 200, "the first server still answers");

    await first.close();
    const second = await startServer(options(dataDir), pino({ level: "silent" }));
    t.after(() => second.close());
    assert.equal(
      (await fetch(`${second.url}/api/v1/health`)).status,
      200,
      "free again once the first stopped",
    );
  },
);

test("the lock dies with a server killed with SIGKILL", { timeout: 60_000 }, async (t) => {
  const killed = await startServerProcess(t);
  await killed.kill("SIGKILL");
  const server = await startServer(options(killed.dataDir), pino({ level: "silent" }));
  t.after(() => server.close());
  assert.equal((await fetch(`${server.url}/api/v1/health`)).status, 200);
});

test(
  "an existing data directory is made private at start, with one log line",
  { timeout: 60_000 },
  async (t) => {
    const dataDir = await tempDir(t, "fawkes-data-");
    await chmod(dataDir, 0o755);
    await mkdir(path.join(dataDir, "logs", "app", "1"), { recursive: true, mode: 0o755 });
    await writeFile(path.join(dataDir, "logs", "app", "1", "console.log"), "old\n", { mode: 0o644 });
    const script = path.join(dataDir, "artifacts", "app", "run.sh");
    await mkdir(path.dirname(script), { recursive: true, mode: 0o775 });
    await writeFile(script, "#!/bin/sh\n", { mode: 0o755 });
    await chmod(path.join(dataDir, "logs", "app", "1"), 0o755);

    const { logger, lines } = capturedLogger();
    const server = await startServer(options(dataDir), logger);
    t.after(() => server.close());

    const mode = async (relative: string) => (await stat(path.join(dataDir, relative))).mode & 0o777;
    assert.equal(await mode("."), 0o700);
    assert.equal(await mode("logs/app/1"), 0o700);
    assert.equal(await mode("logs/app/1/console.log"), 0o600);
    assert.equal(await mode("artifacts/app"), 0o700);
    assert.equal(await mode("artifacts/app/run.sh"), 0o700, "the owner keeps the executable bit");
    const tightened = lines().filter((line) => line.msg === "data directory made private to its owner");
    assert.equal(tightened.length, 1);
    assert.ok(Number(tightened[0]?.entries) >= 6, JSON.stringify(tightened[0]));
    assert.ok((tightened[0]?.examples as string[]).includes(". (was 755)"), JSON.stringify(tightened[0]));
  },
);
