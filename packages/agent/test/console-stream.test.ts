import assert from "node:assert/strict";
import { test } from "node:test";
import { ConsoleStream } from "../src/job/console-stream.ts";

const MiB = 1024 * 1024;

/** A console whose first batch stays in flight until `release()`, so that the next writes queue up. */
function heldConsole(): { stream: ConsoleStream; batches: Buffer[]; release: () => void } {
  const batches: Buffer[] = [];
  let release: () => void = () => {};
  const stream = new ConsoleStream(async (parts) => {
    batches.push(Buffer.concat(parts));
    if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
  }, []);
  return { stream, batches, release: () => release() };
}

test("batches are sent as their parts and never end inside a UTF-8 character", async () => {
  const { stream, batches, release } = heldConsole();
  const writes = [
    Buffer.from("first\n"),
    Buffer.alloc(4 * MiB - 1, "a"),
    Buffer.from("éz"),
    Buffer.from("€"),
  ];
  for (const chunk of writes) stream.write(chunk);
  release();
  await stream.close();

  assert.deepEqual(Buffer.concat(batches), Buffer.concat(writes));
  assert.equal(batches.length, 3);
  // The 4 MiB limit fell after the first byte of "é": that byte waited for the next batch.
  assert.equal(batches[1]!.length, 4 * MiB - 1);
  assert.equal(batches[2]!.toString(), "éz€");
  for (const batch of batches)
    assert.equal(Buffer.from(batch.toString()).length, batch.length, "valid UTF-8");
});

test("a character split across small writes at the batch end is held back whole", async () => {
  const { stream, batches, release } = heldConsole();
  const euro = Buffer.from("€"); // 3 bytes, written one byte at a time
  stream.write(Buffer.from("x"));
  stream.write(Buffer.alloc(4 * MiB - 2, "b"));
  for (const byte of euro) stream.write(Buffer.from([byte]));
  release();
  await stream.close();
  assert.equal(batches[1]!.length, 4 * MiB - 2);
  assert.equal(batches[2]!.toString(), "€");
});
