import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { AwsError } from "../aws-error.ts";
import { createChecksummer, type ChecksumAlgorithm, type Checksummer } from "../checksums/checksum.ts";
import type { DecodedBody } from "../sigv4/payload.ts";
import { discard } from "./bucket.ts";

const WRITE_BATCH = 1024 * 1024;

/** What the client asked us to verify about the payload. */
export interface PayloadExpectations {
  /** Base64 Content-MD5, already checked to be 16 bytes. */
  contentMd5?: string;
  /** Expected base64 values from x-amz-checksum-* headers. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
  /** An algorithm whose value arrives in the aws-chunked trailer. */
  trailerAlgorithm?: ChecksumAlgorithm;
  /** Algorithms to compute even without an expected value (to store and return later). */
  compute?: ChecksumAlgorithm[];
}

export interface Ingested {
  size: number;
  md5: Buffer;
  /** Computed base64 checksums for every algorithm that was expected or requested. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

/**
 * Streams the body into `tempPath` (memory stays flat), hashing as it goes, then fsyncs. Every check — signed
 * payload hash, chunk signatures, length, Content-MD5, flexible checksums — must pass before the caller
 * commits; on any failure the temp file is removed and the error rethrown, so nothing is stored.
 */
export async function ingest(
  body: DecodedBody,
  tempPath: string,
  expect: PayloadExpectations,
): Promise<Ingested> {
  const algorithms = new Set<ChecksumAlgorithm>([
    ...(Object.keys(expect.checksums) as ChecksumAlgorithm[]),
    ...(expect.trailerAlgorithm ? [expect.trailerAlgorithm] : []),
    ...(expect.compute ?? []),
  ]);
  const summers = new Map<ChecksumAlgorithm, Checksummer>(
    [...algorithms].map((a) => [a, createChecksummer(a)]),
  );
  const md5 = createHash("md5");
  let size = 0;
  const file = await open(tempPath, "wx");
  try {
    try {
      // Network chunks are ~64 KiB: gather them into ~1 MiB writes (one threadpool round trip each, not 16).
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        // writev, not Buffer.concat: no 1 MiB copy (and garbage) per batch.
        let buffers = pending;
        let remaining = pendingBytes;
        pending = [];
        pendingBytes = 0;
        while (remaining > 0) {
          let { bytesWritten } = await file.writev(buffers);
          remaining -= bytesWritten;
          // A short write: drop what was written and retry the rest.
          while (remaining > 0 && bytesWritten >= buffers[0]!.length) bytesWritten -= buffers.shift()!.length;
          if (remaining > 0 && bytesWritten > 0)
            buffers = [buffers[0]!.subarray(bytesWritten), ...buffers.slice(1)];
        }
      };
      for await (const chunk of body.chunks) {
        md5.update(chunk);
        for (const summer of summers.values()) summer.update(chunk);
        size += chunk.length;
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= WRITE_BATCH) await flush();
      }
      if (pendingBytes > 0) await flush();
      await file.sync();
    } finally {
      await file.close();
    }
    const digest = md5.digest();
    if (expect.contentMd5 !== undefined && digest.toString("base64") !== expect.contentMd5)
      throw new AwsError("BadDigest", 400, "The Content-MD5 you specified did not match what we received.", {
        ExpectedDigest: Buffer.from(expect.contentMd5, "base64").toString("hex"),
        CalculatedDigest: digest.toString("hex"),
      });
    const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
    for (const [algorithm, summer] of summers) checksums[algorithm] = summer.digest().toString("base64");
    const expected = { ...expect.checksums };
    if (expect.trailerAlgorithm) {
      const value = body.trailers.get(`x-amz-checksum-${expect.trailerAlgorithm}`);
      if (value === undefined)
        throw new AwsError(
          "MalformedTrailerError",
          400,
          "The request contained trailing data that was not well-formed or did not conform to our published schema.",
        );
      expected[expect.trailerAlgorithm] = value;
    }
    for (const [algorithm, value] of Object.entries(expected) as [ChecksumAlgorithm, string][]) {
      if (checksums[algorithm] !== value)
        throw new AwsError(
          "BadDigest",
          400,
          `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
        );
    }
    return { size, md5: digest, checksums };
  } catch (error) {
    await discard(tempPath);
    throw error;
  }
}
