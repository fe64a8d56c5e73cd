/** Building blocks shared by the GoCD YAML schemas: strict objects with spelling hints, YAML booleans. */
import { z } from "zod";
import { didYouMean } from "./did-you-mean.ts";

/** GoCD keys Fawkes knows about but does not implement: a precise message beats "unknown key". */
const unsupportedKeys: Record<string, string> = {
  svn: "svn materials are not supported (Fawkes supports git and dependency materials)",
  hg: "hg materials are not supported (Fawkes supports git and dependency materials)",
  p4: "perforce materials are not supported (Fawkes supports git and dependency materials)",
  tfs: "tfs materials are not supported (Fawkes supports git and dependency materials)",
  scm: "pluggable scm materials are not supported (Fawkes supports git and dependency materials)",
  package: "package materials are not supported (Fawkes supports git and dependency materials)",
  plugin_configuration: "plugin materials are not supported (Fawkes supports git and dependency materials)",
  ant: "ant tasks are not supported (use exec or script)",
  nant: "nant tasks are not supported (use exec or script)",
  rake: "rake tasks are not supported (use exec or script)",
  plugin: "plugin tasks are not supported (use exec or script)",
  timer: "timers are not supported yet",
  properties: "job properties were removed from GoCD in format_version 7",
  username: "material credentials as attributes are not supported; put them in the URL or use an SSH key",
  password: "material credentials as attributes are not supported; put them in the URL or use an SSH key",
  encrypted_password:
    "material credentials as attributes are not supported; put them in the URL or use an SSH key",
};

/** The message for one unknown key of an object whose known keys are `known`. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const unsupported = Object.hasOwn(unsupportedKeys, key) ? unsupportedKeys[key] : undefined;
  if (unsupported !== undefined) return `unsupported key "${key}": ${unsupported}`;
  return `unknown key "${key}"${didYouMean(key, known)}`;
}

/** Separates the per-key messages of one `unrecognized_keys` issue (zod reports all keys at once). */
export const unknownKeySeparator = "\u0000";

/** A strict object: unknown keys are errors, each with a "did you mean" hint drawn from this shape's keys. */
export function strict<T extends z.ZodRawShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => unknownKeyMessage(key, known)).join(unknownKeySeparator)
        : undefined,
  });
}

const trueWords = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"] as const;
const falseWords = ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"] as const;

/** GoCD YAML booleans: YAML 1.1 words (yes/no/on/off...) as well as true/false. */
export const yamlBoolean = z.union([z.boolean(), z.enum([...trueWords, ...falseWords])], {
  error: "must be a boolean (true, false, yes, no, on, off)",
});
export type YamlBoolean = z.infer<typeof yamlBoolean>;

export function toBoolean(value: YamlBoolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === "boolean") return value;
  return (trueWords as readonly string[]).includes(value);
}

/** A scalar YAML writes without quotes (`TEST_NUM: 1`); variables and parameters keep its text. */
export const scalarValue = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: "must be a string, number or boolean",
});

export function scalarText(value: string | number | boolean | null): string {
  return value === null ? "" : String(value);
}

/** Variables as a `NAME: value` map. */
export const variableMap = z.record(z.string(), scalarValue);

/** True when exactly one of `keys` is present on the object. */
export function exactlyOneOf(object: Record<string, unknown>, keys: readonly string[]): boolean {
  return keys.filter((key) => object[key] !== undefined).length === 1;
}

/** A list of single-key maps (`- name: {...}`), the YAML shape of GoCD stages. */
export function singleKeyMap<T extends z.ZodType>(value: T, what: string) {
  return z
    .record(z.string(), value)
    .refine((entry) => Object.keys(entry).length === 1, `each ${what} must be a map with exactly one key`);
}
