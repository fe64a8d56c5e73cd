/**
 * Instance identity: each phoenix instance's metadata endpoint serves its identity document and a signature of
 * it (EC2's `dynamic/instance-identity/signature`). Only the server holds the key, and only the instance can
 * read its own endpoint, so a request that carries a document with a valid signature comes from that instance:
 * `fawkes signal` proves with it which instance signals, needing no keys (as `cfn-signal` needs none on EC2).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The signing key, derived from the data key so that it survives restarts and is never stored. */
export const instanceIdentityKey = (dataKey: Buffer): Buffer =>
  createHmac("sha256", dataKey).update("fawkes instance identity v1").digest();

/** Base64 HMAC-SHA256 of the document's exact text. */
export const signInstanceIdentity = (key: Buffer, document: string): string =>
  createHmac("sha256", key).update(document, "utf8").digest("base64");

/** The instance id of a document whose signature is valid; undefined for anything else. */
export function verifiedInstanceId(key: Buffer, document: string, signature: string): string | undefined {
  const expected = Buffer.from(signInstanceIdentity(key, document), "base64");
  const given = Buffer.from(signature, "base64");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const { instanceId } = JSON.parse(document) as { instanceId?: unknown };
    return typeof instanceId === "string" && /^i-[0-9a-f]{8,17}$/.test(instanceId) ? instanceId : undefined;
  } catch {
    return undefined;
  }
}
