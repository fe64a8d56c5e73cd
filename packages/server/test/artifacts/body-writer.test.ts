import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, open, readFile, rm, writeFile, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BodyWriter } from "../../src/artifacts/body-writer.ts";

async function tempFile(t: TestContext, flags: string): Promise<{ path: string; handle: FileHandle }> {
  const dir = await mkdtemp(join(tmpdir(), "fawkes-body-writer-"));
  const path = join(dir, "file");
  await writeFile(path, "");
  const handle = await open(path, flags);
  t.after(async () => {
    await handle.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });
  return { path, handle };
}

test("parts pushed while a write is in flight are joined, and every byte lands in order", async (t) => {
  const { path, handle } = await tempFile(t, "a");
  const writes: number[] = [];
  const writev = handle.writev.bind(handle);
  handle.writev = ((buffers: NodeJS.ArrayBufferView[]) => {
    writes.push(buffers.length);
    return writev(buffers);
  }) as typeof handle.writev;
  const writer = new BodyWriter(handle);
  const parts = Array.from({ length: 200 }, (_, index) => Buffer.alloc(4096 + index, index % 251));
  for (const part of parts) {
    writer.push(part);
    await writer.ready();
  }
  await writer.end();

  assert.deepEqual(await readFile(path), Buffer.concat(parts));
  assert.equal(
    writes.reduce((sum, count) => sum + count, 0),
    parts.length,
  );
  assert.ok(writes.length < parts.length, `${writes.length} writes for ${parts.length} parts`);
});

test("a failed write is reported by end, and by push and ready afterwards", async (t) => {
  const { handle } = await tempFile(t, "r");
  const writer = new BodyWriter(handle);
  writer.push(Buffer.from("nope"));
  await assert.rejects(writer.end(), { code: "EBADF" });
  assert.throws(() => writer.push(Buffer.from("more")), { code: "EBADF" });
  await assert.rejects(writer.ready(), { code: "EBADF" });
});
