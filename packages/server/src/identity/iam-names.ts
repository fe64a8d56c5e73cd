/**
 * Names, paths, ids and ARNs of IAM entities, and the validation of what users send: every problem is
 * collected with its JSON path (`trustPolicy.Statement[0].Effect`, `name`) and thrown together as one
 * FAWKES_VALIDATION_FAILED, so a caller fixes everything in one go.
 */
import { randomBytes } from "node:crypto";
import { parsePolicy, type PolicyKind } from "@fawkes/cloud";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { LOCAL_ACCOUNT } from "../cloud/access-keys.ts";

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/** AWS's default quota for a role's inline policies; one document may not exceed it on its own. */
export const MAX_POLICY_CHARS = 10_240;
export const MIN_SESSION_SECONDS = 3_600;
export const MAX_SESSION_SECONDS = 43_200;
/** AWS's quota of tags on one role, policy or instance profile. */
export const MAX_TAGS = 50;

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ENTITY_NAME = /^[\w+=,.@-]{1,128}$/;
const PATH = /^(\/|\/[\u0021-\u007e]+\/)$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** `AROA…` (roles), `ANPA…` (managed policies), `AIPA…` (instance profiles): 16 random base32 characters. */
export function newEntityId(prefix: "AROA" | "ANPA" | "AIPA"): string {
  // 256 is a multiple of 32: every character is equally likely.
  return prefix + [...randomBytes(16)].map((byte) => ID_ALPHABET[byte % 32]).join("");
}

export const iamArn = (kind: "role" | "policy" | "instance-profile", path: string, name: string): string =>
  `arn:aws:iam::${LOCAL_ACCOUNT}:${kind}${path}${name}`;

/** The name in an ARN of this account (`arn:aws:iam::000000000000:role/ci/NAME` → `NAME`), else undefined. */
export function nameInArn(kind: "role" | "policy" | "instance-profile", arn: string): string | undefined {
  const prefix = `arn:aws:iam::${LOCAL_ACCOUNT}:${kind}/`;
  if (!arn.startsWith(prefix)) return undefined;
  const name = arn.slice(prefix.length).split("/").at(-1);
  return name === "" ? undefined : name;
}

export interface Problem {
  path: string;
  message: string;
}

/** Collects problems; `throwIfAny` throws them as one validation error. */
export class Problems {
  readonly list: Problem[] = [];

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  name(value: string, path: string, kind: "role" | "entity" = "entity"): void {
    const pattern = kind === "role" ? ROLE_NAME : ENTITY_NAME;
    if (!pattern.test(value))
      this.add(
        path,
        `must be 1-${kind === "role" ? 64 : 128} letters, digits or _+=,.@- (got ${JSON.stringify(value)})`,
      );
  }

  path(value: string, path: string): void {
    if (value.length > 512 || !PATH.test(value))
      this.add(
        path,
        `must be "/" or begin and end with "/" (for example "/ci/"), got ${JSON.stringify(value)}`,
      );
  }

  tags(tags: Readonly<Record<string, string>>, path: string): void {
    const entries = Object.entries(tags);
    if (entries.length > MAX_TAGS)
      throw new FawkesError(
        ErrorCode.limitExceeded,
        `Cannot exceed quota for tags per resource: ${MAX_TAGS} (${path} would have ${entries.length})`,
      );
    for (const [key, value] of entries) {
      if (!TAG_KEY.test(key))
        this.add(`${path}.${key}`, "tag keys are 1-128 letters, digits, spaces or _.:/=+-@");
      else if (key.toLowerCase().startsWith("aws:"))
        this.add(`${path}.${key}`, "the aws: prefix is reserved");
      if (!TAG_VALUE.test(value))
        this.add(`${path}.${key}`, "tag values are at most 256 letters, digits, spaces or _.:/=+-@");
    }
  }

  /**
   * Parses a policy document (JSON text or an object) as `kind`, recording each issue under `path`; returns the
   * document as JSON to store, or undefined when invalid.
   */
  document(input: unknown, path: string, kind: PolicyKind): unknown {
    const text = typeof input === "string" ? input : JSON.stringify(input ?? null);
    const { issues } = parsePolicy(input, { kind });
    for (const issue of issues) this.add(issue.path === "" ? path : `${path}.${issue.path}`, issue.message);
    if (issues.length > 0) return undefined;
    if (text.length > MAX_POLICY_CHARS)
      throw new FawkesError(
        ErrorCode.limitExceeded,
        `${path} is ${text.length} characters; a policy document may have at most ${MAX_POLICY_CHARS}`,
      );
    return typeof input === "string" ? (JSON.parse(input) as unknown) : input;
  }

  throwIfAny(what: string): void {
    if (this.list.length === 0) return;
    throw new FawkesError(
      ErrorCode.validation,
      `${what}: ${this.list.map((p) => (p.path === "" ? p.message : `${p.path}: ${p.message}`)).join("; ")}`,
      { errors: this.list },
    );
  }
}

type Tags = Readonly<Record<string, string>>;

/**
 * TagRole/TagPolicy/TagInstanceProfile: the tags `current` has after adding `tags` (validated as a whole:
 * LimitExceeded past 50, ValidationError for a bad or reserved key) and those that actually changed.
 */
export function addedTags(current: Tags, tags: Tags): { merged: Record<string, string>; changed: Tags } {
  const merged = { ...current, ...tags };
  const problems = new Problems();
  problems.tags(merged, "tags");
  problems.throwIfAny("the tags are invalid");
  const changed = Object.fromEntries(Object.entries(tags).filter(([key, value]) => current[key] !== value));
  return { merged, changed };
}

/** Untag*: the tags left after removing `keys` (keys not present are ignored, as IAM does), and those removed. */
export function removedTags(
  current: Tags,
  keys: readonly string[],
): { remaining: Record<string, string>; removed: string[] } {
  return {
    remaining: Object.fromEntries(Object.entries(current).filter(([key]) => !keys.includes(key))),
    removed: Object.keys(current).filter((key) => keys.includes(key)),
  };
}

/** Whether an insert failed on a unique constraint (SQLite and PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; errcode?: unknown };
  return (
    e?.code === "23505" || (typeof e?.message === "string" && /UNIQUE constraint failed/i.test(e.message))
  );
}
