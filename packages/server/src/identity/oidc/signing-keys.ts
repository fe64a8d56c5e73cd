/**
 * The OIDC issuer's signing keys: RS256 (RSA 2048), the algorithm every OIDC verifier must support (AWS IAM,
 * GCP, Azure, Vault, jose); ES256 would be smaller, but some relying parties still accept RS256 only.
 *
 * One key signs at a time, for `rotationDays` (or until `fawkes oidc rotate-key`). Its successor is made by the
 * first signing in its last hour and listed in the JWKS from then on (pre-published), and signs from the moment the
 * old key stops (`created_at` is when a key starts signing); without a signing in that hour the first signing after
 * makes it. The old key stays in the JWKS until every token it can have signed has expired (`retire_after` = end
 * of signing + the longest token lifetime, one hour), and is deleted when a later key is made.
 * Private keys are sealed with the data key before they reach the database, bound to their `kid`.
 */
import { createPrivateKey, generateKeyPair, randomBytes, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { exportJWK, exportPKCS8, type JWK } from "jose";
import { openSecret, sealSecret } from "../../cloud/secret-box.ts";
import type { Executor } from "../../store/executor.ts";
import {
  deleteRetiredOidcKeys,
  insertOidcKey,
  liveOidcKeys,
  stopSigning,
  type OidcKeyRecord,
} from "../../store/oidc-keys-repo.ts";

export const OIDC_ALGORITHM = "RS256";
/** The longest lifetime a token may have; a key stays in the JWKS this long after it stopped signing. */
export const MAX_TOKEN_LIFETIME_SECONDS = 3600;
const DAY_MS = 86_400_000;
/** How long before a key stops signing its successor is listed in the JWKS. */
const PREPUBLISH_MS = 3_600_000;

const generateRsa = promisify(generateKeyPair);

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** A key as `fawkes oidc keys` shows it. */
export interface SigningKeyInfo {
  kid: string;
  algorithm: string;
  createdAt: number;
  signsUntil: number;
  retireAfter: number;
}

export interface SigningKeysOptions {
  /** Days a key signs before a new one replaces it. @default 7 */
  rotationDays: number;
  now: () => number;
}

const bindingOf = (kid: string): string => `oidc_keys:${kid}`;

export class SigningKeys {
  readonly #db: Executor;
  readonly #dataKey: Buffer;
  readonly #options: SigningKeysOptions;
  /** Opened private keys by kid (a key's PEM is opened once). */
  readonly #opened = new Map<string, KeyObject>();
  /** Key changes run one at a time: two first tokens at once make one key, not two. */
  #changes: Promise<unknown> = Promise.resolve();

  constructor(db: Executor, dataKey: Buffer, options: SigningKeysOptions) {
    this.#db = db;
    this.#dataKey = dataKey;
    this.#options = options;
  }

  /** The key that signs now: the newest one still signing, or a new one. */
  signingKey(): Promise<SigningKey> {
    return this.#serially(async () => {
      const now = this.#options.now();
      const live = await liveOidcKeys(this.#db, now);
      const current =
        live.filter((key) => key.createdAt <= now && key.signsUntil > now).at(-1) ??
        (await this.#create(now, now));
      // Its successor goes into the JWKS an hour before it signs, so relying parties that cache the JWKS
      // already know it when the first token it signed reaches them.
      if (
        current.signsUntil - now <= PREPUBLISH_MS &&
        !live.some((key) => key.createdAt >= current.signsUntil)
      )
        await this.#create(now, current.signsUntil);
      return this.#open(current);
    });
  }

  /** Ends the current key's signing now and makes a new one (which signs from now on). */
  rotate(): Promise<SigningKeyInfo> {
    return this.#serially(async () => {
      const now = this.#options.now();
      await stopSigning(this.#db, now, now + MAX_TOKEN_LIFETIME_SECONDS * 1000);
      return infoOf(await this.#create(now, now));
    });
  }

  /** Every key not yet retired (the JWKS), oldest first. Retired keys are deleted when a key is made. */
  async keys(): Promise<OidcKeyRecord[]> {
    return liveOidcKeys(this.#db, this.#options.now());
  }

  async list(): Promise<SigningKeyInfo[]> {
    return (await this.keys()).map(infoOf);
  }

  /** The public keys as a JWK Set document. */
  async jwks(): Promise<{ keys: JWK[] }> {
    return {
      keys: (await this.keys()).map((key) => ({
        ...(key.publicJwk as JWK),
        kid: key.kid,
        alg: key.algorithm,
        use: "sig",
      })),
    };
  }

  /** A key that signs from `from` (now, or when the current key stops: pre-published). */
  async #create(now: number, from: number): Promise<OidcKeyRecord> {
    await deleteRetiredOidcKeys(this.#db, now);
    const { privateKey, publicKey } = await generateRsa("rsa", { modulusLength: 2048 });
    const kid = `fawkes-${randomBytes(8).toString("hex")}`;
    const { kty, n, e } = await exportJWK(publicKey);
    const signsUntil = from + this.#options.rotationDays * DAY_MS;
    const record: OidcKeyRecord = {
      kid,
      algorithm: OIDC_ALGORITHM,
      publicJwk: { kty, n, e },
      privateKeySealed: sealSecret(this.#dataKey, await exportPKCS8(privateKey), bindingOf(kid)),
      createdAt: from,
      signsUntil,
      retireAfter: signsUntil + MAX_TOKEN_LIFETIME_SECONDS * 1000,
    };
    await insertOidcKey(this.#db, record);
    this.#opened.set(kid, privateKey);
    return record;
  }

  #open(record: OidcKeyRecord): SigningKey {
    let privateKey = this.#opened.get(record.kid);
    if (!privateKey) {
      privateKey = createPrivateKey(
        openSecret(this.#dataKey, record.privateKeySealed, bindingOf(record.kid)),
      );
      this.#opened.set(record.kid, privateKey);
    }
    return { kid: record.kid, privateKey };
  }

  #serially<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#changes.then(fn, fn);
    this.#changes = next.catch(() => undefined);
    return next;
  }
}

const infoOf = (key: OidcKeyRecord): SigningKeyInfo => ({
  kid: key.kid,
  algorithm: key.algorithm,
  createdAt: key.createdAt,
  signsUntil: key.signsUntil,
  retireAfter: key.retireAfter,
});
