/** Command-line paths: `s3://bucket/key` or a local path. */
import { CliError } from "../../errors.ts";
import { ErrorCode } from "@fawkes/protocol/constants";

export interface S3Location {
  type: "s3";
  bucket: string;
  /** Everything after `bucket/`, taken verbatim (may be empty or end with `/`). */
  key: string;
}

export interface LocalLocation {
  type: "local";
  /** The path as the user typed it (printed back in `upload: PATH to …` lines). */
  path: string;
}

export type Location = S3Location | LocalLocation;

export function parseLocation(text: string): Location {
  if (!text.startsWith("s3://")) return { type: "local", path: text };
  const rest = text.slice("s3://".length);
  const slash = rest.indexOf("/");
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  if (bucket === "")
    throw new CliError(`${JSON.stringify(text)} names no bucket`, {
      code: ErrorCode.badRequest,
      hint: "write S3 locations as s3://BUCKET or s3://BUCKET/KEY",
    });
  return { type: "s3", bucket, key: slash === -1 ? "" : rest.slice(slash + 1) };
}

export function parseS3Location(text: string, what = "this command"): S3Location {
  const location = parseLocation(text);
  if (location.type !== "s3")
    throw new CliError(`${what} needs an S3 location (s3://BUCKET/…), not ${JSON.stringify(text)}`, {
      code: ErrorCode.badRequest,
    });
  return location;
}

export function s3Uri(bucket: string, key = ""): string {
  return `s3://${bucket}/${key}`;
}

/** A prefix used as a directory: empty (the whole bucket) or ending with `/`. */
export function directoryPrefix(key: string): string {
  return key === "" || key.endsWith("/") ? key : `${key}/`;
}

/** The last path segment of a key or path (`a/b/c.txt` → `c.txt`). */
export function baseName(keyOrPath: string): string {
  const trimmed = keyOrPath.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** The two ends of a copy or sync: at least one must be in S3 (local → local is a job for `cp`, not for us). */
export function parseTransferEnds(
  sourceText: string,
  targetText: string,
): { source: Location; target: Location } {
  const source = parseLocation(sourceText);
  const target = parseLocation(targetText);
  if (source.type === "local" && target.type === "local") {
    throw new CliError("both paths are local: one of them must be an S3 location (s3://BUCKET/…)", {
      code: ErrorCode.badRequest,
    });
  }
  return { source, target };
}
