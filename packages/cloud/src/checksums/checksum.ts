import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { crc32c } from "./crc32c.ts";
import { Crc64Nvme } from "./crc64nvme.ts";

/** The flexible checksums S3 accepts, as named in `x-amz-checksum-<name>` headers. */
export const checksumAlgorithms = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"] as const;
export type ChecksumAlgorithm = (typeof checksumAlgorithms)[number];

export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return (checksumAlgorithms as readonly string[]).includes(name);
}

/** An incremental hasher whose digest is the raw bytes S3 base64-encodes in the header. */
export interface Checksummer {
  update(data: Uint8Array): void;
  digest(): Buffer;
}

function crc32Like(fn: (data: Uint8Array, previous: number) => number): Checksummer {
  let value = 0;
  return {
    update: (data) => {
      value = fn(data, value);
    },
    digest: () => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(value >>> 0);
      return out;
    },
  };
}

export function createChecksummer(algorithm: ChecksumAlgorithm): Checksummer {
  switch (algorithm) {
    case "crc32":
      return crc32Like((data, previous) => crc32(data, previous));
    case "crc32c":
      return crc32Like(crc32c);
    case "crc64nvme":
      return new Crc64Nvme();
    case "sha1":
    case "sha256": {
      const hash = createHash(algorithm);
      return { update: (data) => hash.update(data), digest: () => hash.digest() };
    }
  }
}

/** Base64 checksum of a whole buffer (used for composite multipart checksums and tests). */
export function checksumOf(algorithm: ChecksumAlgorithm, data: Uint8Array): string {
  const summer = createChecksummer(algorithm);
  summer.update(data);
  return summer.digest().toString("base64");
}
