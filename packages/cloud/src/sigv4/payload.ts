import { createHash } from "node:crypto";
import { AwsError } from "../aws-error.ts";
import { decodeAwsChunked } from "./aws-chunked.ts";
import { header, type AuthContext } from "./authenticate.ts";

/** A request body after transfer decoding and payload-signature checks. */
export interface DecodedBody {
  /** The payload bytes; iterating throws an AwsError if the signed hash or a chunk signature fails. */
  chunks: AsyncIterable<Buffer>;
  /** Trailing headers of an aws-chunked body, filled once `chunks` is consumed. */
  trailers: Map<string, string>;
  /** The payload length the client declared (Content-Length or x-amz-decoded-content-length). */
  declaredLength: number | undefined;
  /** The trailer the client announced in x-amz-trailer, e.g. `x-amz-checksum-crc32`. */
  announcedTrailer: string | undefined;
  /**
   * For a body signed with its hex SHA-256: called before iterating `chunks`, it hands the check to the caller
   * (which hashes elsewhere, e.g. off the event loop) and returns the expected hash; the caller must then throw
   * `payloadHashMismatch` when its hash differs. Absent for other modes.
   */
  takePayloadHashCheck?: () => string;
}

const STREAMING_MODES = new Map([
  ["STREAMING-AWS4-HMAC-SHA256-PAYLOAD", { signed: true, trailer: false }],
  ["STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", { signed: true, trailer: true }],
  ["STREAMING-UNSIGNED-PAYLOAD-TRAILER", { signed: false, trailer: true }],
]);

/**
 * Chooses the body decoder from the signed x-amz-content-sha256 value: a hex hash is verified while the
 * body streams; STREAMING-* bodies are aws-chunked (signed chunks and/or trailers); UNSIGNED-PAYLOAD passes.
 */
export function decodeBody(
  source: AsyncIterable<Buffer>,
  headers: Map<string, string[]>,
  auth: AuthContext | undefined,
): DecodedBody {
  const trailers = new Map<string, string>();
  const announcedTrailer = header(headers, "x-amz-trailer")?.trim().toLowerCase();
  const payloadHash = auth?.payloadHash ?? "UNSIGNED-PAYLOAD";
  const contentLength = numberHeader(headers, "content-length");
  const mode = STREAMING_MODES.get(payloadHash);
  if (mode) {
    const decoded = numberHeader(headers, "x-amz-decoded-content-length");
    return {
      chunks: countBytes(
        decodeAwsChunked(source, {
          trailer: mode.trailer,
          trailers,
          signing: mode.signed && auth ? auth : undefined,
        }),
        decoded,
      ),
      trailers,
      declaredLength: decoded,
      announcedTrailer,
    };
  }
  if (payloadHash.startsWith("STREAMING-"))
    throw new AwsError("NotImplemented", 501, `x-amz-content-sha256 ${payloadHash} is not implemented`);
  if (payloadHash === "UNSIGNED-PAYLOAD")
    return {
      chunks: countBytes(source, contentLength),
      trailers,
      declaredLength: contentLength,
      announcedTrailer,
    };
  if (!/^[0-9a-f]{64}$/.test(payloadHash))
    throw new AwsError(
      "InvalidArgument",
      400,
      "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-…, or a valid sha256 value.",
      {
        ArgumentName: "x-amz-content-sha256",
        ArgumentValue: payloadHash,
      },
    );
  let taken = false;
  return {
    chunks: countBytes(
      verifySha256(source, payloadHash, () => taken),
      contentLength,
    ),
    trailers,
    declaredLength: contentLength,
    announcedTrailer,
    takePayloadHashCheck: () => {
      taken = true;
      return payloadHash;
    },
  };
}

function numberHeader(headers: Map<string, string[]>, name: string): number | undefined {
  const value = header(headers, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new AwsError("InvalidArgument", 400, `${name} is not a valid length`, {
      ArgumentName: name,
      ArgumentValue: value,
    });
  return n;
}

export const payloadHashMismatch = (expected: string, computed: string): AwsError =>
  new AwsError(
    "XAmzContentSHA256Mismatch",
    400,
    "The provided 'x-amz-content-sha256' header does not match what was computed.",
    { ClientComputedContentSHA256: expected, S3ComputedContentSHA256: computed },
  );

async function* verifySha256(
  source: AsyncIterable<Buffer>,
  expected: string,
  taken: () => boolean,
): AsyncGenerator<Buffer> {
  if (taken()) {
    yield* source;
    return;
  }
  const hash = createHash("sha256");
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
  const computed = hash.digest("hex");
  if (computed !== expected) throw payloadHashMismatch(expected, computed);
}

/** Fails when the payload is shorter or longer than declared, and turns a dropped connection into IncompleteBody. */
async function* countBytes(
  source: AsyncIterable<Buffer>,
  declared: number | undefined,
): AsyncGenerator<Buffer> {
  let total = 0;
  try {
    for await (const chunk of source) {
      total += chunk.length;
      if (declared !== undefined && total > declared)
        throw new AwsError("IncompleteBody", 400, "The request body is longer than the declared length");
      yield chunk;
    }
  } catch (error) {
    if (error instanceof AwsError) throw error;
    throw new AwsError(
      "IncompleteBody",
      400,
      "The request body terminated unexpectedly",
      {},
      { cause: error },
    );
  }
  if (declared !== undefined && total !== declared)
    throw new AwsError(
      "IncompleteBody",
      400,
      "You did not provide the number of bytes specified by the Content-Length HTTP header",
    );
}
