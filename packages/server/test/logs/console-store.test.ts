import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { JobLocator } from "@fawkes/protocol";
import { waitFor } from "@fawkes/testing";
import { ConsoleStore } from "../../src/logs/index.ts";

const locator: JobLocator = { pipeline: "build", counter: 1, stage: "test", stageCounter: 1, job: "unit" };
const at = (time: string) => Date.parse(`2026-03-01T${time}Z`);

async function newStore(
  t: TestContext,
  maxOpenJobs?: number,
): Promise<{ store: ConsoleStore; root: string }> {
  const root = await mkdtemp(join(tmpdir(), "fawkes-logs-"));
  const store = new ConsoleStore({ root, maxOpenJobs });
  t.after(async () => {
    await store.close();
    await rm(root, { recursive: true, force: true });
  });
  return { store, root };
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Resolves when `condition` holds, checking on every turn of the event loop, with a deadline. */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  await waitFor(condition, { message: what, timeoutMs, intervalMs: 0 });
}

test("raw and timestamped reads; a line spanning two batches gets the first batch's time", async (t) => {
  const { store } = await newStore(t);
  assert.equal(await store.size(locator), 0);
  assert.equal(await text(store.readRaw(locator, 0)), "");

  assert.equal(await store.append(locator, Buffer.from("compiling\nrunning te"), at("10:00:00.000")), 20);
  assert.equal(await store.append(locator, Buffer.from("sts\n"), at("10:00:01.250")), 24);
  assert.equal(await store.append(locator, Buffer.alloc(0), at("10:00:01.500")), 24);
  assert.equal(await store.append(locator, Buffer.from("ok\n\nüñí\n"), at("10:00:02.999")), 35);

  assert.equal(await text(store.readRaw(locator, 0)), "compiling\nrunning tests\nok\n\nüñí\n");
  assert.equal(await text(store.readRaw(locator, 10, 23)), "running tests");
  assert.equal(
    await text(store.readTimestamped(locator, 0)),
    [
      "10:00:00.000 compiling",
      "10:00:00.000 running tests",
      "10:00:02.999 ok",
      "10:00:02.999 ",
      "10:00:02.999 üñí",
      "",
    ].join("\n"),
  );
  assert.equal(
    await text(store.readTimestamped(locator, 24)),
    "10:00:02.999 ok\n10:00:02.999 \n10:00:02.999 üñí\n",
  );
  assert.equal(await store.size(locator), 35);
});

test("a streamed batch that breaks or grows too large midway is cut off again", async (t) => {
  const { store } = await newStore(t);
  await store.append(locator, Buffer.from("before\n"), at("10:00:00.000"));
  async function* broken(): AsyncGenerator<Buffer> {
    yield Buffer.from("half of a ");
    throw new Error("connection reset");
  }
  await assert.rejects(store.appendStream(locator, broken(), at("10:00:01.000")), /connection reset/);
  assert.equal(await store.size(locator), 7);
  await assert.rejects(
    store.appendStream(locator, [Buffer.from("12345"), Buffer.from("678")], at("10:00:02.000"), 6),
    (error: Error & { code?: string }) => error.code === "FAWKES_PAYLOAD_TOO_LARGE",
  );
  assert.equal(await store.size(locator), 7);

  // The retried batch lands once, with its own time, as if the failures never happened.
  async function* parts(): AsyncGenerator<Buffer> {
    yield Buffer.from("half of a ");
    yield Buffer.from("line\n");
  }
  assert.equal(await store.appendStream(locator, parts(), at("10:00:03.000")), 22);
  assert.equal(
    await text(store.readTimestamped(locator, 0)),
    "10:00:00.000 before\n10:00:03.000 half of a line\n",
  );
});

test("follow yields stored bytes, then later appends, and ends on finish", async (t) => {
  const { store, root } = await newStore(t);
  await store.append(locator, Buffer.from("first\n"), 1);
  const received: string[] = [];
  let ended = false;
  const following = (async () => {
    for await (const chunk of store.follow(locator, 0, new AbortController().signal)) {
      received.push(chunk.toString());
    }
    ended = true;
  })();
  await until(() => received.join("") === "first\n", "stored bytes");
  await store.append(locator, Buffer.from("second\n"), 2);
  await until(() => received.join("") === "first\nsecond\n", "an append");
  await store.append(locator, Buffer.from("third\n"), 3);
  await store.finish(locator);
  await following;
  assert.ok(ended);
  assert.equal(received.join(""), "first\nsecond\nthird\n");

  // A finished log is read to its end and the follow ends, also in a new store (a server restart).
  const restarted = new ConsoleStore({ root });
  assert.equal(await restarted.isFinished(locator), true);
  assert.equal(await restarted.isFinished({ ...locator, job: "other" }), false);
  const again: string[] = [];
  for await (const chunk of restarted.follow(locator, 6, new AbortController().signal))
    again.push(chunk.toString());
  assert.equal(again.join(""), "second\nthird\n");
});

test("follow from the middle starts at that offset, even one not yet written, and stops on abort", async (t) => {
  const { store } = await newStore(t);
  await store.append(locator, Buffer.from("0123456789"), 1);
  const controller = new AbortController();
  const received: string[] = [];
  const following = (async () => {
    for await (const chunk of store.follow(locator, 12, controller.signal)) received.push(chunk.toString());
  })();
  await store.append(locator, Buffer.from("abcdef"), 2);
  await until(() => received.join("") === "cdef", "bytes after the offset");
  controller.abort();
  await following;
  await store.append(locator, Buffer.from("more"), 3);
  assert.equal(received.join(""), "cdef");
});

test("more jobs than open-file slots all append correctly, in order, with bounded handles", async (t) => {
  const { store, root } = await newStore(t, 8);
  const jobs = Array.from({ length: 30 }, (_, index) => ({ ...locator, job: `job-${index}` }));
  const rounds = 20;
  const appends: Promise<number>[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const job of jobs) appends.push(store.append(job, Buffer.from(`${job.job} line ${round}\n`), round));
  }
  await Promise.all(appends);
  assert.ok(store.openJobs <= 8, `open jobs: ${store.openJobs}`);
  for (const job of jobs) {
    const expected = Array.from({ length: rounds }, (_, round) => `${job.job} line ${round}\n`).join("");
    assert.equal(await text(store.readRaw(job, 0)), expected);
    const onDisk = await readFile(join(root, "build", "1", "test", "1", job.job, "console.log"), "utf8");
    assert.equal(onDisk, expected);
    assert.equal(await store.size(job), Buffer.byteLength(expected));
  }
});

test("timestamped rendering of a 40 MB log streams with flat memory", async (t) => {
  const { store } = await newStore(t);
  const line = "x".repeat(99) + "\n";
  const batch = Buffer.from(line.repeat(10_486)); // ~1 MiB, lines spanning batch boundaries
  for (let index = 0; index < 40; index++) await store.append(locator, batch, at("12:00:00.000") + index);

  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const live = () => {
    gc();
    return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  };
  const baseline = live();
  let peak = baseline;
  let bytes = 0;
  let lines = 0;
  let last = "";
  let chunks = 0;
  for await (const chunk of store.readTimestamped(locator, 0)) {
    bytes += (chunk as Buffer).length;
    lines += (chunk as Buffer).toString("latin1").split("\n").length - 1;
    last = (chunk as Buffer).toString("latin1");
    if (++chunks % 32 === 0) peak = Math.max(peak, live());
  }
  assert.equal(lines, 40 * 10_486);
  assert.equal(bytes, 40 * batch.length + lines * "12:00:00.000 ".length);
  assert.ok(last.endsWith("12:00:00.039 " + line), "the last line carries the last batch's time");
  assert.ok(peak - baseline < 20 * 1024 * 1024, `memory grew by ${peak - baseline} bytes`);
});
