import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { ConsoleStream } from "../src/job/console-stream.ts";
import { waitFor } from "./support/helpers.ts";

const MiB = 1024 * 1024;

async function spoolPath(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "fawkes-spool-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, "job.log");
}

/**
 * A console whose first batch stays in flight until `release()`: whatever is written meanwhile waits in the
 * spool and is read in one go afterwards, so where batches end is known.
 */
async function heldConsole(
  t: TestContext,
  secrets: string[] = [],
): Promise<{ stream: ConsoleStream; batches: Buffer[]; release: () => void; path: string }> {
  const batches: Buffer[] = [];
  let release: () => void = () => {};
  const path = await spoolPath(t);
  const stream = new ConsoleStream(
    async (parts) => {
      batches.push(Buffer.concat(parts));
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
    },
    secrets,
    path,
  );
  return { stream, batches, release: () => release(), path };
}

/** A console that keeps every batch it sends. */
async function collectingConsole(t: TestContext): Promise<{ stream: ConsoleStream; batches: Buffer[] }> {
  const batches: Buffer[] = [];
  const stream = new ConsoleStream(
    async (parts) => {
      batches.push(Buffer.concat(parts));
    },
    [],
    await spoolPath(t),
  );
  return { stream, batches };
}

test("batches never end inside a UTF-8 character, and the spool is removed once sent", async (t) => {
  const { stream, batches, release, path } = await heldConsole(t);
  stream.write(Buffer.from("first\n"));
  await waitFor("the first batch", () => batches.length === 1);
  const rest = [Buffer.alloc(4 * MiB - 1, "a"), Buffer.from("éz"), Buffer.from("€")];
  for (const chunk of rest) stream.write(chunk);
  release();
  await stream.close();

  assert.deepEqual(Buffer.concat(batches), Buffer.concat([Buffer.from("first\n"), ...rest]));
  assert.equal(batches.length, 3);
  // The 4 MiB read ended after the first byte of "é": that byte waited for the next batch.
  assert.equal(batches[1]!.length, 4 * MiB - 1);
  assert.equal(batches[2]!.toString(), "éz€");
  for (const batch of batches)
    assert.equal(Buffer.from(batch.toString()).length, batch.length, "valid UTF-8");
  await waitFor("the spool to go", () => !existsSync(path));
});

test("a character written a byte at a time across the batch end is sent whole", async (t) => {
  const { stream, batches, release } = await heldConsole(t);
  stream.write(Buffer.from("x"));
  await waitFor("the first batch", () => batches.length === 1);
  stream.write(Buffer.alloc(4 * MiB - 2, "b"));
  for (const byte of Buffer.from("€")) stream.write(Buffer.from([byte]));
  release();
  await stream.close();
  assert.equal(batches[1]!.length, 4 * MiB - 2);
  assert.equal(batches[2]!.toString(), "€");
});

test("an incomplete character at the end waits for its rest; at close it goes as it is", async (t) => {
  const { stream, batches } = await collectingConsole(t);
  const e = Buffer.from("é");
  stream.write(Buffer.from([0x78, e[0]!]));
  await waitFor("the first batch", () => batches.length === 1);
  assert.deepEqual(batches[0], Buffer.from("x"));
  stream.write(Buffer.from([e[1]!, 0xe2]));
  await waitFor("the second batch", () => batches.length === 2);
  assert.equal(batches[1]!.toString(), "é");
  await stream.close();
  assert.deepEqual(batches[2], Buffer.from([0xe2]), "nothing could complete it any more");
});

test("the agent's lines start on a line of their own and are masked like task output", async (t) => {
  const { stream, batches, release } = await heldConsole(t, ["s3cret"]);
  stream.write(Buffer.from("partial"));
  await waitFor("the first batch", () => batches.length === 1);
  stream.line("Task exited with code 0");
  stream.line("value s3cret");
  release();
  await stream.close();
  assert.equal(
    Buffer.concat(batches).toString(),
    "partial\n[fawkes] Task exited with code 0\n[fawkes] value ******\n",
  );
});

test("output counts as activity when it reaches the spool, whoever wrote it", async (t) => {
  const { stream, batches } = await collectingConsole(t);
  const before = stream.lastOutputAt;
  await waitFor("the clock to move", () => Date.now() > before + 5);
  const { writeSync } = await import("node:fs");
  // What a task does: write to the descriptor it was given, not through the stream's methods.
  writeSync(stream.outputFd, "from a task\n");
  await waitFor("the first batch", () => batches.length === 1);
  assert.ok(stream.lastOutputAt > before);
  assert.equal(batches[0]!.toString(), "from a task\n");
  await stream.close();
});

test("what a task writes while a batch is being sent counts as output at once, and follows that batch", async (t) => {
  const { stream, batches, release } = await heldConsole(t);
  const { writeSync } = await import("node:fs");
  // Written by a "task", so the first batch starts from the spool's watch, which stays off while it is sent.
  writeSync(stream.outputFd, "first\n");
  await waitFor("the first batch", () => batches.length === 1);
  const before = stream.lastOutputAt;
  await waitFor("the clock to move", () => Date.now() > before + 5);
  writeSync(stream.outputFd, "during the send\n");
  assert.ok(stream.lastOutputAt > before, "output during a send keeps the no-output timeout away");
  release();
  await waitFor("the second batch", () => batches.length === 2);
  assert.deepEqual(
    batches.map((b) => b.toString()),
    ["first\n", "during the send\n"],
  );
  await stream.close();
});

test("stop drops what was not sent and removes the spool", async (t) => {
  const { stream, batches, release, path } = await heldConsole(t);
  stream.write(Buffer.from("sent\n"));
  await waitFor("the first batch", () => batches.length === 1);
  stream.write(Buffer.from("never sent\n"));
  stream.stop();
  release();
  await waitFor("the spool to go", () => !existsSync(path));
  assert.deepEqual(
    batches.map((b) => b.toString()),
    ["sent\n"],
  );
});

test("lines written while a batch is being sent keep the times they were written at, masked or not", async (t) => {
  let clock = 1_000;
  const batches: { text: string; lineTimes: (readonly [number, number])[] }[] = [];
  let release: () => void = () => {};
  const stream = new ConsoleStream(
    async (parts, lineTimes) => {
      batches.push({ text: Buffer.concat(parts).toString(), lineTimes: [...lineTimes] });
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
    },
    ["s3cr3t-value"],
    await spoolPath(t),
    () => clock,
  );
  stream.write(Buffer.from("first\n"));
  await waitFor("the first batch", () => batches.length === 1);
  // The first batch is in flight: these wait in the spool and go together, each with its own time.
  clock = 2_000;
  stream.write(Buffer.from("token s3cr3t-value\n"));
  clock = 3_500;
  stream.write(Buffer.from("third\n"));
  release();
  await stream.close();
  assert.deepEqual(batches, [
    { text: "first\n", lineTimes: [[0, 1_000]] },
    {
      text: "token ******\nthird\n",
      lineTimes: [
        [0, 2_000],
        ["token ******\n".length, 3_500],
      ],
    },
  ]);
});
