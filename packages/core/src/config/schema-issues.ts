/** Turns zod validation issues into `file:line:column: message` config issues. */
import type { z } from "zod";
import { didYouMean } from "./did-you-mean.ts";
import type { ConfigIssue } from "./model.ts";
import { unknownKeySeparator } from "./schema-helpers.ts";
import type { Locator, PathSegment } from "./yaml-source.ts";

type ZodIssue = z.core.$ZodIssue;

/** Validates `value` (found at `basePath` in the file) and returns its data or the issues. */
export function validate<T extends z.ZodType>(
  schema: T,
  value: unknown,
  locator: Locator,
  basePath: readonly PathSegment[],
  pipelines: string[],
): { ok: true; data: z.infer<T> } | { ok: false; issues: ConfigIssue[] } {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return { ok: true, data: result.data };
  const relevant = withoutNoise(result.error.issues);
  const issues = relevant.flatMap((issue) => toConfigIssues(issue, basePath, locator, pipelines));
  return { ok: false, issues: dedupe(issues) };
}

function toConfigIssues(
  issue: ZodIssue,
  prefix: readonly PathSegment[],
  locator: Locator,
  pipelines: string[],
): ConfigIssue[] {
  const path = [...prefix, ...(issue.path as PathSegment[])];
  const make = (at: readonly PathSegment[], prefer: "key" | "value", message: string): ConfigIssue => ({
    ...locator.at(at, prefer),
    message,
    pipelines,
  });
  switch (issue.code) {
    case "unrecognized_keys": {
      const messages = issue.message.split(unknownKeySeparator);
      return issue.keys.map((key, index) => make([...path, key], "key", messages[index] ?? issue.message));
    }
    case "invalid_union": {
      // A union of shapes (a task or a nested task list): report the issues of the one branch that matched.
      const matching = issue.errors.filter((branch) => !isShapeMismatch(branch));
      if (matching.length === 1) {
        return withoutNoise(matching[0]!).flatMap((inner) => toConfigIssues(inner, path, locator, pipelines));
      }
      return [make(path, "value", `${label(path)} ${customOr(issue.message, "has an invalid value")}`)];
    }
    case "invalid_type": {
      if (issue.input === undefined) {
        return [make(path.slice(0, -1), "key", `missing required key "${String(path.at(-1))}"`)];
      }
      if (issue.expected === "never") return [make(path, "key", `${label(path)} ${issue.message}`)];
      const message = customOr(
        issue.message,
        `must be ${article(issue.expected)}, got ${describe(issue.input)}`,
      );
      return [make(path, "value", `${label(path)} ${message}`)];
    }
    case "invalid_value": {
      const allowed = issue.values.map(String);
      const hint = typeof issue.input === "string" ? didYouMean(issue.input, allowed) : "";
      const message = customOr(issue.message, `must be one of ${allowed.join(", ")}`);
      return [make(path, "value", `${label(path)} ${message}, got ${describe(issue.input)}${hint}`)];
    }
    case "custom":
      return [make(path, "key", issue.message)];
    default:
      return [make(path, "value", `${label(path)} ${customOr(issue.message, "has an invalid value")}`)];
  }
}

/** A refinement ("exactly one of ...") says nothing useful about an object that has unknown keys. */
function withoutNoise(issues: readonly ZodIssue[]): ZodIssue[] {
  const unknownKeysAt = new Set(
    issues.filter((issue) => issue.code === "unrecognized_keys").map((issue) => issue.path.join("\u0000")),
  );
  return issues.filter((issue) => issue.code !== "custom" || !unknownKeysAt.has(issue.path.join("\u0000")));
}

/** A branch that failed only because the value had another type (object vs list): not the intended one. */
function isShapeMismatch(branch: ZodIssue[]): boolean {
  return (
    branch.length === 1 &&
    branch[0]!.path.length === 0 &&
    (branch[0]!.code === "invalid_type" || branch[0]!.code === "invalid_value")
  );
}

/** zod's own messages start with "Invalid"; ours are written to follow the key name. */
function customOr(message: string, fallback: string): string {
  return message.startsWith("Invalid") || message === "" ? fallback : message;
}

function label(path: readonly PathSegment[]): string {
  let end = path.length;
  while (end > 0 && typeof path[end - 1] === "number") end--;
  const key = end > 0 ? String(path[end - 1]) : "document";
  const indexes = path.slice(end).map((index) => `[${String(index)}]`);
  return `"${key}${indexes.join("")}"`;
}

function article(expected: string): string {
  if (expected === "array") return "a list";
  if (expected === "object") return "a map";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describe(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "a list";
  if (typeof input === "object") return "a map";
  if (typeof input === "string") return JSON.stringify(input);
  return `${typeof input} ${String(input)}`;
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.file}:${issue.line}:${issue.column}:${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * `value` with what the schema refuses taken out — unknown keys, and keys whose value is invalid — so that the
 * rest of an invalid pipeline can still be checked and its other problems reported in the same pass (the
 * pipeline stays invalid: this is only for reporting). Undefined when the value cannot be mended that way (a
 * required key is missing, a list element is wrong): then nothing more is checked than the schema's issues.
 */
export function prunedForChecks<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> | undefined {
  const copy: unknown = structuredClone(value);
  for (let round = 0; round < 10; round++) {
    const result = schema.safeParse(copy, { reportInput: true });
    if (result.success) return result.data;
    const removals = result.error.issues.flatMap((issue) => removalsFor(issue, []));
    if (removals === undefined || removals.some((path) => path === null)) return undefined;
    for (const path of removals as (readonly PathSegment[])[]) remove(copy, path);
  }
  return undefined;
}

/** Paths to delete for one issue; null when the issue cannot be mended by deleting a key. */
function removalsFor(issue: ZodIssue, prefix: readonly PathSegment[]): (readonly PathSegment[] | null)[] {
  const path = [...prefix, ...(issue.path as PathSegment[])];
  if (issue.code === "unrecognized_keys") return issue.keys.map((key) => [...path, key]);
  if (issue.code === "invalid_union") {
    const matching = issue.errors.filter((branch) => !isShapeMismatch(branch));
    if (matching.length === 1) return matching[0]!.flatMap((inner) => removalsFor(inner, path));
  }
  // A missing key, or a refinement of a whole object: deleting cannot help.
  if ((issue.code === "invalid_type" && issue.input === undefined) || issue.code === "custom") return [null];
  // Only an option of an object: a named job, material or stage must stay, or a fetch of it would look wrong;
  // and a key that says how to read its siblings must stay, or they would get issues of their own.
  const key = path.at(-1);
  const parent = path.at(-2);
  if (
    typeof key !== "string" ||
    discriminatingKeys.has(key) ||
    parent === "jobs" ||
    parent === "materials" ||
    typeof parent === "number"
  )
    return [null];
  return [path];
}

const discriminatingKeys = new Set(["type", "artifact_origin"]);

function remove(root: unknown, path: readonly PathSegment[]): void {
  let node = root;
  for (const segment of path.slice(0, -1)) {
    if (node === null || typeof node !== "object") return;
    node = (node as Record<string | number, unknown>)[segment];
  }
  if (node !== null && typeof node === "object" && !Array.isArray(node))
    delete (node as Record<string, unknown>)[String(path.at(-1))];
}
