import { createHash } from "node:crypto";
import { open, type FileHandle } from "node:fs/promises";
import { AwsError } from "../aws-error.ts";
import { createChecksummer, type ChecksumAlgorithm, type Checksummer } from "../checksums/checksum.ts";
import { payloadHashMismatch, type DecodedBody } from "../sigv4/payload.ts";
import { discard } from "./bucket.ts";
import { hashWorkers, OFFLOAD_MIN_BYTES, type Digests } from "./hash-offload.ts";
import { PipelinedWriter } from "./pipelined-writer.ts";

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

/** Small bodies: hashed on the event loop, written in batches through the threadpool. */
class InlineSink {
  private readonly md5 = createHash("md5");
  private readonly summers: Map<ChecksumAlgorithm, Checksummer>;
  private readonly writer: PipelinedWriter;

  constructor(file: FileHandle, algorithms: Iterable<ChecksumAlgorithm>) {
    this.summers = new Map([...algorithms].map((a) => [a, createChecksummer(a)]));
    this.writer = new PipelinedWriter(file);
  }

  write(chunk: Buffer): Promise<void> | undefined {
    this.md5.update(chunk);
    for (const summer of this.summers.values()) summer.update(chunk);
    return this.writer.write(chunk);
  }

  async end(): Promise<Digests> {
    await this.writer.end();
    const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
    for (const [algorithm, summer] of this.summers) checksums[algorithm] = summer.digest().toString("base64");
    return { md5: this.md5.digest(), sha256: undefined, checksums };
  }

  abort(): Promise<void> {
    return this.writer.settled();
  }
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
  let size = 0;
  const file = await open(tempPath, "wx", 0o600);
  try {
    let digests: Digests;
    try {
      const offload = (body.declaredLength ?? 0) >= OFFLOAD_MIN_BYTES;
      const expectedSha256 = offload ? body.takePayloadHashCheck?.() : undefined;
      const sink = offload
        ? hashWorkers.begin(file, expectedSha256 !== undefined, [...algorithms])
        : new InlineSink(file, algorithms);
      try {
        for await (const chunk of body.chunks) {
          size += chunk.length;
          const wait = sink.write(chunk);
          if (wait) await wait;
        }
        digests = await sink.end();
      } finally {
        await sink.abort();
      }
      await file.sync();
      if (expectedSha256 !== undefined && digests.sha256 !== expectedSha256)
        throw payloadHashMismatch(expectedSha256, digests.sha256 ?? "");
    } finally {
      await file.close();
    }
    const digest = digests.md5;
    if (expect.contentMd5 !== undefined && digest.toString("base64") !== expect.contentMd5)
      throw new AwsError("BadDigest", 400, "The Content-MD5 you specified did not match what we received.", {
        ExpectedDigest: Buffer.from(expect.contentMd5, "base64").toString("hex"),
        CalculatedDigest: digest.toString("hex"),
      });
    const checksums = digests.checksums;
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
