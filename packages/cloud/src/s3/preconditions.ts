import { AwsError } from "../aws-error.ts";
import type { ObjectRecord } from "../storage/object-record.ts";

export type Precondition = "ok" | "not-modified";

function etagListMatches(list: string, etag: string): boolean {
  const bare = etag.replace(/^"|"$/g, "");
  return list.split(",").some((candidate) => {
    const c = candidate.trim().replace(/^W\//, "");
    return c === "*" || c.replace(/^"|"$/g, "") === bare;
  });
}

/** HTTP dates have second precision, so compare against the second the object was written in. */
const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * RFC 9110 §13.2.2 order, as S3 applies it: If-Match, else If-Unmodified-Since → 412;
 * If-None-Match, else If-Modified-Since → 304 (for GET/HEAD).
 */
export function checkPreconditions(
  get: (name: string) => string | undefined,
  record: ObjectRecord,
  prefix = "",
): Precondition {
  const failed = (condition: string) =>
    new AwsError("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold", {
      Condition: condition,
    });
  const ifMatch = get(`${prefix}if-match`);
  const ifUnmodifiedSince = get(`${prefix}if-unmodified-since`);
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, record.etag)) throw failed("If-Match");
  } else if (ifUnmodifiedSince !== undefined) {
    const since = Date.parse(ifUnmodifiedSince);
    if (Number.isFinite(since) && seconds(record.lastModified) > seconds(since))
      throw failed("If-Unmodified-Since");
  }
  const ifNoneMatch = get(`${prefix}if-none-match`);
  const ifModifiedSince = get(`${prefix}if-modified-since`);
  if (ifNoneMatch !== undefined) {
    if (etagListMatches(ifNoneMatch, record.etag)) return "not-modified";
  } else if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    if (Number.isFinite(since) && seconds(record.lastModified) <= seconds(since)) return "not-modified";
  }
  return "ok";
}

/** A satisfiable byte range, inclusive on both ends. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a single `bytes=` range. Syntactically invalid or multi-range headers are ignored (whole object),
 * as S3 does; an unsatisfiable range is InvalidRange (416).
 */
export function parseRange(value: string | undefined, size: number): ByteRange | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  const unsatisfiable = () =>
    new AwsError("InvalidRange", 416, "The requested range is not satisfiable", {
      RangeRequested: value,
      ActualObjectSize: String(size),
    });
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < start) return undefined;
  if (start >= size) throw unsatisfiable();
  return { start, end };
}
