/** The OIDC issuer's signing keys. Private keys stay sealed here; identity/oidc opens them. */
import type { Executor } from "./executor.ts";
import type { DbOidcKey } from "./schema.ts";

export interface OidcKeyRecord {
  kid: string;
  algorithm: string;
  /** The public key as a JWK. */
  publicJwk: Record<string, unknown>;
  /** base64(iv ‖ tag ‖ ciphertext) of the PKCS#8 PEM (cloud/secret-box.ts). */
  privateKeySealed: string;
  createdAt: number;
  signsUntil: number;
  retireAfter: number;
}

const toRecord = (row: DbOidcKey): OidcKeyRecord => ({
  kid: row.kid,
  algorithm: row.algorithm,
  publicJwk: JSON.parse(row.public_jwk) as Record<string, unknown>,
  privateKeySealed: row.private_key_sealed,
  createdAt: row.created_at,
  signsUntil: row.signs_until,
  retireAfter: row.retire_after,
});

export async function insertOidcKey(db: Executor, key: OidcKeyRecord): Promise<void> {
  await db
    .insertInto("oidc_keys")
    .values({
      kid: key.kid,
      algorithm: key.algorithm,
      public_jwk: JSON.stringify(key.publicJwk),
      private_key_sealed: key.privateKeySealed,
      created_at: key.createdAt,
      signs_until: key.signsUntil,
      retire_after: key.retireAfter,
    })
    .execute();
}

/** Keys not yet retired at `now` (still in the JWKS), oldest first. */
export async function liveOidcKeys(db: Executor, now: number): Promise<OidcKeyRecord[]> {
  const rows = await db
    .selectFrom("oidc_keys")
    .selectAll()
    .where("retire_after", ">", now)
    .orderBy("created_at")
    .orderBy("kid")
    .execute();
  return rows.map(toRecord);
}

/** Ends the signing period of every key still signing at `now`; they stay listed until `retireAfter`. */
export async function stopSigning(db: Executor, now: number, retireAfter: number): Promise<void> {
  await db
    .updateTable("oidc_keys")
    .set({ signs_until: now, retire_after: retireAfter })
    .where("signs_until", ">", now)
    .execute();
}

/** Deletes keys retired by `now`; their tokens have all expired. Returns how many. */
export async function deleteRetiredOidcKeys(db: Executor, now: number): Promise<number> {
  const result = await db.deleteFrom("oidc_keys").where("retire_after", "<=", now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
