import { createHash, type KeyObject } from "node:crypto";
import { AwsError } from "../aws-error.ts";
import { hmac, sameHex, sha256Hex } from "./authenticate.ts";

const EMPTY_SHA256 = sha256Hex("");
const MAX_LINE = 8192;

/** What a signed aws-chunked stream needs to verify each chunk's signature against the previous one. */
export interface ChunkSigning {
  signingKey: Buffer | KeyObject;
  amzDate: string;
  scope: string;
  seedSignature: string;
}

export interface AwsChunkedOptions {
  /** Set for STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER): every chunk carries a chunk-signature. */
  signing?: ChunkSigning;
  /** Whether trailing headers follow the final chunk (the *-TRAILER modes). */
  trailer: boolean;
  /** Filled with the trailing headers (lower-cased names) once the stream is consumed. */
  trailers: Map<string, string>;
}

const incomplete = () => new AwsError("IncompleteBody", 400, "The request body terminated unexpectedly");
const malformed = (why: string) =>
  new AwsError("InvalidChunkSizeError", 400, `The aws-chunked body is malformed: ${why}`);
const badChunkSignature = () =>
  new AwsError(
    "SignatureDoesNotMatch",
    403,
    "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
  );

/**
 * Decodes an `aws-chunked` body (`<hex>[;chunk-signature=<sig>]\r\n<data>\r\n … 0…\r\n[trailers]\r\n`),
 * yielding the payload bytes as they arrive and verifying each chunk signature before the next chunk starts.
 * Data of a chunk is yielded before its signature is checked: callers write to a temp file and commit
 * only when the whole stream has been consumed without error.
 */
export async function* decodeAwsChunked(
  source: AsyncIterable<Buffer>,
  options: AwsChunkedOptions,
): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let pending: Buffer = Buffer.alloc(0);
  const more = async (): Promise<boolean> => {
    const next = await it.next();
    if (next.done) return false;
    pending = pending.length === 0 ? next.value : Buffer.concat([pending, next.value]);
    return true;
  };
  const readLine = async (): Promise<string> => {
    for (;;) {
      const end = pending.indexOf("\r\n");
      if (end >= 0) {
        const line = pending.subarray(0, end).toString("utf8");
        pending = pending.subarray(end + 2);
        return line;
      }
      if (pending.length > MAX_LINE) throw malformed("chunk header too long");
      if (!(await more())) throw incomplete();
    }
  };

  const signing = options.signing;
  let previousSignature = signing?.seedSignature ?? "";
  for (;;) {
    const header = await readLine();
    const [sizeText = "", ...extensions] = header.split(";");
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText))
      throw malformed(`bad chunk size ${JSON.stringify(sizeText.slice(0, 20))}`);
    const size = parseInt(sizeText, 16);
    const signature = extensions
      .find((e) => e.startsWith("chunk-signature="))
      ?.slice("chunk-signature=".length);
    if (signing && signature === undefined) throw malformed("missing chunk-signature");
    const hash = signing ? createHash("sha256") : undefined;
    let remaining = size;
    while (remaining > 0) {
      if (pending.length === 0 && !(await more())) throw incomplete();
      const piece = pending.subarray(0, Math.min(remaining, pending.length));
      pending = pending.subarray(piece.length);
      remaining -= piece.length;
      hash?.update(piece);
      yield piece;
    }
    if (signing && hash) {
      const stringToSign = [
        "AWS4-HMAC-SHA256-PAYLOAD",
        signing.amzDate,
        signing.scope,
        previousSignature,
        EMPTY_SHA256,
        hash.digest("hex"),
      ].join("\n");
      const expected = hmac(signing.signingKey, stringToSign).toString("hex");
      if (!sameHex(expected, signature ?? "")) throw badChunkSignature();
      previousSignature = expected;
    }
    if (size === 0) break;
    if ((await readLine()) !== "") throw malformed("chunk data not followed by CRLF");
  }

  if (options.trailer) {
    let trailerText = "";
    let trailerSignature: string | undefined;
    for (;;) {
      const line = await readLine();
      if (line === "") break;
      const colon = line.indexOf(":");
      if (colon <= 0) throw malformed("bad trailer line");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === "x-amz-trailer-signature") trailerSignature = value;
      else {
        options.trailers.set(name, value);
        trailerText += `${name}:${value}\n`;
      }
    }
    if (signing) {
      if (trailerSignature === undefined) throw malformed("missing x-amz-trailer-signature");
      const stringToSign = [
        "AWS4-HMAC-SHA256-TRAILER",
        signing.amzDate,
        signing.scope,
        previousSignature,
        sha256Hex(trailerText),
      ].join("\n");
      if (!sameHex(hmac(signing.signingKey, stringToSign).toString("hex"), trailerSignature))
        throw badChunkSignature();
    }
  } else if ((await readLine()) !== "") {
    throw malformed("final chunk not followed by CRLF");
  }
  while (pending.length === 0 && (await more()));
  if (pending.length > 0) throw malformed("data after the final chunk");
}
