/**
 * Password hashes: scrypt from node:crypto (memory-hard, no native addon). N = 2^15, r = 8, p = 1 costs 32 MiB
 * and roughly 50–100 ms a hash. The stored string names its version and parameters
 * (`scrypt$1$15$8$1$<salt>$<hash>`, base64url), so parameters can be raised later and old hashes still verify.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from "node:crypto";

const VERSION = "1";
const LOG2_N = 15;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Twice what N = 2^15, r = 8 needs (128·N·r = 32 MiB): node's default maxmem is exactly that and refuses it. */
const MAX_MEM = 64 * 1024 * 1024;

function scrypt(password: string, salt: Buffer, keyBytes: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize("NFC"), salt, keyBytes, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** A fresh salted hash of `password`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, KEY_BYTES, { N: 2 ** LOG2_N, r: R, p: P, maxmem: MAX_MEM });
  return ["scrypt", VERSION, LOG2_N, R, P, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** True when `password` matches `stored`; false for a hash this version cannot read. Constant-time compare. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, version, log2n, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || version !== VERSION || salt === undefined || key === undefined) return false;
  const params = { N: 2 ** Number(log2n), r: Number(r), p: Number(p) };
  if (![params.N, params.r, params.p].every((n) => Number.isSafeInteger(n) && n > 0)) return false;
  const expected = Buffer.from(key, "base64url");
  const actual = await scrypt(password, Buffer.from(salt, "base64url"), expected.length, {
    ...params,
    maxmem: Math.max(MAX_MEM, 256 * params.N * params.r),
  });
  return timingSafeEqual(actual, expected);
}

/**
 * A hash of a random password, for logins naming an unknown user: verifying against it costs what a real
 * verification costs, so the answer's timing does not tell whether the user exists.
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString("base64url"));
  return decoy;
}

/** A random password for a new user (`fawkes up`'s admin, `fawkes users create` without one): 24 characters. */
export function randomPassword(): string {
  return randomBytes(18).toString("base64url");
}
