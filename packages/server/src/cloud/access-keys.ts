/**
 * Access keys of the cloud endpoint: created here (the secret leaves the server once, in the answer), stored
 * sealed with the data directory's key, and looked up by the endpoint through `store` on every signed request.
 */
import { randomBytes } from "node:crypto";
import type { AccessKey, CredentialStore } from "@fawkes/cloud";
import { parsePolicy } from "@fawkes/cloud";
import { ErrorCode, FawkesError, type AccessKeyDto, type CreatedAccessKeyDto } from "@fawkes/protocol";
import type { Kysely } from "kysely";
import {
  deleteAccessKey,
  findAccessKey,
  insertAccessKey,
  jobLeaseLive,
  listUserAccessKeys,
  purgeDeadJobAccessKeys,
  type AccessKeyRecord,
} from "../store/access-keys-repo.ts";
import type { Executor } from "../store/executor.ts";
import type { Database } from "../store/schema.ts";
import { openSecret, sealSecret, sha256Hex } from "./secret-box.ts";

/** The account every local principal belongs to (as LocalStack does). */
export const LOCAL_ACCOUNT = "000000000000";

/** Allows everything: the administrator key's policy, and the server's own keys (never a job's). */
export const ADMIN_POLICY = Object.freeze({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});

/** Marks that the administrator key was created once (deleting it later must not bring it back). */
const ADMIN_MARKER = "cloud.admin-access-key";

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/** Decrypted keys kept in memory; a deleted key is dropped at once, this bounds other staleness. */
const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 1_000;

export interface NewAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface CreateKeyInput {
  name: string;
  policy: unknown;
  expiresAt?: number | null;
  job?: { jobRunId: number; leaseId: string };
}

export const userArn = (name: string): string => `arn:aws:iam::${LOCAL_ACCOUNT}:user/${name}`;

function newAccessKeyId(): string {
  // 256 is a multiple of 32: every character is equally likely.
  return "AKIA" + [...randomBytes(16)].map((byte) => ID_ALPHABET[byte % 32]).join("");
}

/** Rejects a policy that is not a valid IAM identity policy, listing every issue with its JSON path. */
export function validateIdentityPolicy(policy: unknown): void {
  const { issues } = parsePolicy(policy, { kind: "identity" });
  if (issues.length > 0)
    throw new FawkesError(
      ErrorCode.validation,
      `the policy is invalid: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ")}`,
      { errors: issues.map((issue) => ({ path: `policy.${issue.path}`, message: issue.message })) },
    );
}

interface CacheEntry {
  key: AccessKey;
  job: { jobRunId: number; leaseId: string } | null;
  loadedAt: number;
}

export class AccessKeys {
  readonly #db: Kysely<Database>;
  readonly #dataKey: Buffer;
  readonly #now: () => number;
  readonly #cache = new Map<string, CacheEntry>();

  constructor(db: Kysely<Database>, dataKey: Buffer, now: () => number = Date.now) {
    this.#db = db;
    this.#dataKey = dataKey;
    this.#now = now;
  }

  /** What the cloud endpoint authenticates with: live keys only (deleted, expired, finished jobs' are unknown). */
  readonly store: CredentialStore = { find: (accessKeyId) => this.#find(accessKeyId) };

  async create(
    input: CreateKeyInput,
    db: Executor = this.#db,
  ): Promise<{ created: NewAccessKey; record: AccessKeyRecord }> {
    const accessKeyId = newAccessKeyId();
    const secretAccessKey = randomBytes(30).toString("base64");
    const record: AccessKeyRecord = {
      accessKeyId,
      name: input.name,
      principalArn: userArn(input.name),
      secretEncrypted: sealSecret(this.#dataKey, secretAccessKey, accessKeyId),
      secretHash: sha256Hex(secretAccessKey),
      policy: input.policy,
      createdAt: this.#now(),
      expiresAt: input.expiresAt ?? null,
      sessionTokenHash: null,
      jobRunId: input.job?.jobRunId ?? null,
      leaseId: input.job?.leaseId ?? null,
    };
    await insertAccessKey(db, record);
    return { created: { accessKeyId, secretAccessKey }, record };
  }

  /**
   * POST /api/v1/credentials. `audit` records the creation in the key's own transaction: the key is not
   * created without its entry.
   */
  async createForUser(
    name: string,
    policy: unknown,
    audit?: (db: Executor, key: AccessKeyDto) => Promise<void>,
  ): Promise<CreatedAccessKeyDto> {
    validateIdentityPolicy(policy);
    return this.#db.transaction().execute(async (trx) => {
      const { created, record } = await this.create({ name, policy }, trx);
      await audit?.(trx, toDto(record));
      return { ...toDto(record), secretAccessKey: created.secretAccessKey };
    });
  }

  async list(): Promise<AccessKeyDto[]> {
    return (await listUserAccessKeys(this.#db)).map(toDto);
  }

  /** DELETE /api/v1/credentials/:id; `audit` records it in the same transaction. */
  async delete(accessKeyId: string, audit?: (db: Executor) => Promise<void>): Promise<void> {
    this.#cache.delete(accessKeyId);
    await this.#db.transaction().execute(async (trx) => {
      if (!(await deleteAccessKey(trx, accessKeyId)))
        throw new FawkesError(ErrorCode.notFound, `no access key ${accessKeyId}`);
      await audit?.(trx);
    });
  }

  /** Creates the administrator key on the data directory's first start; undefined on every later start. */
  async ensureAdminKey(): Promise<NewAccessKey | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const marker = await trx
        .selectFrom("key_values")
        .select("value")
        .where("key", "=", ADMIN_MARKER)
        .executeTakeFirst();
      if (marker) return undefined;
      const { created } = await this.create({ name: "admin", policy: ADMIN_POLICY }, trx);
      await trx.insertInto("key_values").values({ key: ADMIN_MARKER, value: created.accessKeyId }).execute();
      return created;
    });
  }

  /** Deletes jobs' keys that can no longer work (their job finished, was rescheduled, or the key expired). */
  async purgeDeadJobKeys(): Promise<void> {
    for (const id of await purgeDeadJobAccessKeys(this.#db, this.#now())) this.#cache.delete(id);
  }

  async #find(accessKeyId: string): Promise<AccessKey | undefined> {
    const now = this.#now();
    let entry = this.#cache.get(accessKeyId);
    if (entry === undefined || now - entry.loadedAt > CACHE_TTL_MS) {
      this.#cache.delete(accessKeyId);
      const record = await findAccessKey(this.#db, accessKeyId);
      if (record === undefined) return undefined;
      entry = {
        key: {
          accessKeyId,
          secretAccessKey: openSecret(this.#dataKey, record.secretEncrypted, accessKeyId),
          principalArn: record.principalArn,
          // One object per cached key: the endpoint memoises the parsed policy by identity.
          policies: [record.policy],
          ...(record.expiresAt !== null && { expiresAt: record.expiresAt }),
        },
        job:
          record.jobRunId !== null && record.leaseId !== null
            ? { jobRunId: record.jobRunId, leaseId: record.leaseId }
            : null,
        loadedAt: now,
      };
      if (this.#cache.size >= CACHE_MAX) this.#cache.delete(this.#cache.keys().next().value as string);
      this.#cache.set(accessKeyId, entry);
    }
    if (entry.key.expiresAt !== undefined && entry.key.expiresAt <= now) return undefined;
    // A job's key dies with its lease: checked on every request (one primary-key read), never cached.
    if (entry.job !== null && !(await jobLeaseLive(this.#db, entry.job.jobRunId, entry.job.leaseId)))
      return undefined;
    return entry.key;
  }
}

function toDto(record: AccessKeyRecord): AccessKeyDto {
  return {
    accessKeyId: record.accessKeyId,
    name: record.name,
    principal: record.principalArn,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
  };
}
