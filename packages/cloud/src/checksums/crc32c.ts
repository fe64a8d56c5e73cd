// CRC-32C (Castagnoli), reflected polynomial 0x82F63B78, as S3's x-amz-checksum-crc32c.
// Node has zlib.crc32 but no CRC-32C; a slice-by-4 table keeps it fast enough for large uploads.

const POLY = 0x82f63b78;
const tables = buildTables();

function buildTables(): Uint32Array[] {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t0[n] = c >>> 0;
  }
  const result = [t0];
  for (let s = 1; s < 4; s++) {
    const prev = result[s - 1]!;
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) t[n] = (prev[n]! >>> 8) ^ t0[prev[n]! & 0xff]!;
    result.push(t);
  }
  return result;
}

/** Continues a CRC-32C over `data`; start with 0. Returns the finished (xor-ed out) value. */
export function crc32c(data: Uint8Array, previous = 0): number {
  const [t0, t1, t2, t3] = tables as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let crc = ~previous >>> 0;
  let i = 0;
  const len = data.length;
  for (; i + 4 <= len; i += 4) {
    crc ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    crc = t3[crc & 0xff]! ^ t2[(crc >>> 8) & 0xff]! ^ t1[(crc >>> 16) & 0xff]! ^ t0[crc >>> 24]!;
  }
  for (; i < len; i++) crc = (crc >>> 8) ^ t0[(crc ^ data[i]!) & 0xff]!;
  return ~crc >>> 0;
}
