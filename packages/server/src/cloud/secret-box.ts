/**
 * Secrets the server must read back in clear (access keys' secrets: SigV4 recomputes signatures with them),
 * sealed with AES-256-GCM under the data directory's key. The access key id is the associated data, so a
 * ciphertext copied onto another row does not decrypt.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** base64(iv ‖ tag ‖ ciphertext). */
export function sealSecret(dataKey: Buffer, secret: string, boundTo: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", dataKey, iv);
  cipher.setAAD(Buffer.from(boundTo, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64");
}

/** Throws when the data key is not the one that sealed it or the bytes were altered. */
export function openSecret(dataKey: Buffer, sealed: string, boundTo: string): string {
  const bytes = Buffer.from(sealed, "base64");
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error("sealed secret is too short");
  const decipher = createDecipheriv("aes-256-gcm", dataKey, bytes.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(boundTo, "utf8"));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
    "utf8",
  );
}

export const sha256Hex = (value: string): string => createHash("sha256").update(value, "utf8").digest("hex");
