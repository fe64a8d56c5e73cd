import { open, type FileHandle } from "node:fs/promises";

const READ_SIZE = 64 * 1024;

/**
 * The bytes of `path` from `start` up to `end` (exclusive; EOF when omitted), in fresh buffers of at most
 * 64 KiB. A missing file reads as empty: a job that has printed nothing has no console file yet.
 */
export async function* readRange(path: string, start: number, end = Infinity): AsyncGenerator<Buffer> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  try {
    let position = start;
    while (position < end) {
      const buffer = Buffer.allocUnsafe(Math.min(READ_SIZE, end - position));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
