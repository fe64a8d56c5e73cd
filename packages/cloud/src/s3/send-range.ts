import type { ServerResponse } from "node:http";
import type { ReadAt } from "../storage/extent-reader.ts";

const CHUNK = 1024 * 1024;

/**
 * Sends `length` bytes from `start` as the response body through two buffers taken in turn: one is read into
 * while the other is being written, and a buffer is read into again only once its write has completed. A read
 * stream would allocate a new buffer per chunk instead: garbage that V8 collects only after some 64 MiB of it,
 * and that glibc then keeps, so one large GET left the server that much larger. Ends the response; rejects
 * if the client goes away or a read or write fails (the caller destroys the response then).
 */
export async function sendRange(
  res: ServerResponse,
  readAt: ReadAt,
  start: number,
  length: number,
): Promise<void> {
  const size = Math.min(CHUNK, length);
  const buffers: Buffer[] = [];
  // A write to a connection the client reset also emits 'error' on the response: it must be listened to.
  const gone = new Promise<never>((_, reject) => {
    res.on("error", reject);
    res.once("close", () => reject(new Error("the response closed before the body was sent")));
  });
  gone.catch(() => undefined);
  let writing: Promise<void> = Promise.resolve();
  for (let sent = 0, turn = 0; sent < length; turn ^= 1) {
    const buffer = (buffers[turn] ??= Buffer.allocUnsafeSlow(size));
    const read = await readAt(buffer, Math.min(size, length - sent), start + sent);
    if (read === 0) throw new Error("the object's data ended before its recorded size");
    // The other buffer's write must be done before the next turn reads into it.
    await Promise.race([writing, gone]);
    writing = written(res, buffer.subarray(0, read));
    // Awaited on the next turn, after a read: until then a failed write must not count as unhandled.
    writing.catch(() => undefined);
    sent += read;
  }
  await Promise.race([writing, gone]);
  res.end();
}

function written(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    res.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}
