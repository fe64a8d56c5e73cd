import { createReadStream } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { Extent } from "./object-record.ts";

const CHUNK = 1024 * 1024;

/**
 * The bytes `start..end` (inclusive) of an object stored as consecutive part files in `dir`, read part by part
 * (only the parts the range touches are opened). The caller keeps the files in place while this streams.
 */
export function readExtents(dir: string, extents: readonly Extent[], start: number, end: number): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    let offset = 0;
    for (const extent of extents) {
      const first = Math.max(start, offset);
      const last = Math.min(end, offset + extent.size - 1);
      if (first <= last)
        yield* createReadStream(join(dir, extent.file), {
          start: first - offset,
          end: last - offset,
          highWaterMark: CHUNK,
        }) as AsyncIterable<Buffer>;
      offset += extent.size;
      if (offset > end) return;
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: CHUNK });
}
