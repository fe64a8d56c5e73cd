/**
 * Parameter values for one stack operation: given values, else previous ones (`usePrevious`), else defaults,
 * each checked against its parameter's type and constraints, with AWS's wording.
 */
import { childPath, ErrorCollector, isRecord } from "./model.ts";
import type { ParameterDefinition, ParsedTemplate } from "./model.ts";
import type { ParameterValue } from "./resolve.ts";

export interface ResolvedParameters {
  /** What `Ref` gives: lists for `List<…>` and `CommaDelimitedList` parameters. */
  values: Record<string, ParameterValue>;
  /** Each value as a string, as DescribeStacks reports it (lists comma-joined). */
  strings: Record<string, string>;
  noEcho: ReadonlySet<string>;
  /** `strings` with every NoEcho value shown as `****`. */
  masked(): Record<string, string>;
}

export interface ResolveParametersOptions {
  /** Values of the stack's previous operation (an update). */
  previous?: Record<string, string>;
  /** Parameters that keep their previous value (`UsePreviousValue=true`). */
  usePrevious?: readonly string[];
}

/** A decimal number as AWS reads one (no hexadecimal, no `Infinity`). */
const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const ec2Type = /^AWS::EC2::[A-Za-z]+::[A-Za-z]+$/;

/** Whether `type` is a parameter type the engine accepts, and whether its values are lists. */
export function parameterType(type: unknown): { list: boolean; number: boolean } | undefined {
  if (type === "String" || ec2Type.test(String(type))) return { list: false, number: false };
  if (type === "Number") return { list: false, number: true };
  if (type === "CommaDelimitedList") return { list: true, number: false };
  if (type === "List<Number>") return { list: true, number: true };
  const inner = /^List<(.+)>$/.exec(String(type));
  if (inner && ec2Type.test(inner[1]!)) return { list: true, number: false };
  return undefined;
}

export function isNoEcho(definition: ParameterDefinition): boolean {
  return definition.NoEcho === true || definition.NoEcho === "true";
}

export function resolveParameters(
  t: ParsedTemplate,
  given: Record<string, string>,
  opts: ResolveParametersOptions = {},
): ResolvedParameters {
  const definitions = t.body.Parameters ?? {};
  const errors = new ErrorCollector(t);
  const unknown = Object.keys(given).filter((name) => !Object.hasOwn(definitions, name));
  const unknownPrevious = (opts.usePrevious ?? []).filter(
    (name) => !Object.hasOwn(definitions, name) && !unknown.includes(name),
  );
  if (unknown.length + unknownPrevious.length > 0)
    errors.add(
      "Parameters",
      `Parameters: [${[...unknown, ...unknownPrevious].join(", ")}] do not exist in the template`,
    );

  const strings: Record<string, string> = {};
  const values: Record<string, ParameterValue> = {};
  const noEcho = new Set<string>();
  const missing: string[] = [];
  for (const [name, definition] of Object.entries(definitions)) {
    if (!isRecord(definition)) continue;
    if (isNoEcho(definition)) noEcho.add(name);
    const value = valueOf(name, definition, given, opts);
    if (value === undefined) {
      missing.push(name);
      continue;
    }
    const type = parameterType(definition.Type);
    const path = childPath("Parameters", name);
    if (type === undefined) {
      errors.add(path, `Parameter '${name}' has an unsupported type ${String(definition.Type)}`);
      continue;
    }
    const problem = constraintProblem(name, definition, value, type);
    if (problem !== undefined) {
      errors.add(path, problem);
      continue;
    }
    strings[name] = value;
    values[name] = type.list ? (value === "" ? [] : value.split(",").map((item) => item.trim())) : value;
  }
  if (missing.length > 0) errors.add("Parameters", `Parameters: [${missing.join(", ")}] must have values`);
  errors.throwIfAny();
  return {
    values,
    strings,
    noEcho,
    masked: () =>
      Object.fromEntries(
        Object.entries(strings).map(([name, value]) => [name, noEcho.has(name) ? "****" : value]),
      ),
  };
}

function valueOf(
  name: string,
  definition: ParameterDefinition,
  given: Record<string, string>,
  opts: ResolveParametersOptions,
): string | undefined {
  if (Object.hasOwn(given, name)) return given[name];
  if (opts.usePrevious?.includes(name) && opts.previous && Object.hasOwn(opts.previous, name))
    return opts.previous[name];
  const fallback = definition.Default;
  if (fallback === undefined || fallback === null) return undefined;
  return Array.isArray(fallback) ? fallback.map(String).join(",") : String(fallback as string);
}

/** The first constraint `value` breaks, in AWS's words (a ConstraintDescription replaces them), or undefined. */
function constraintProblem(
  name: string,
  definition: ParameterDefinition,
  value: string,
  type: { list: boolean; number: boolean },
): string | undefined {
  const items = type.list ? (value === "" ? [] : value.split(",").map((item) => item.trim())) : [value];
  const fail = (words: string): string =>
    definition.ConstraintDescription !== undefined
      ? `Parameter '${name}' failed to satisfy constraint: ${definition.ConstraintDescription}`
      : `Parameter '${name}' ${words}`;
  for (const item of items) {
    const number = Number(item);
    if (type.number && !decimal.test(item.trim())) return `Parameter '${name}' must be a number`;
    const allowed = definition.AllowedValues;
    if (Array.isArray(allowed) && !allowed.map(String).includes(item))
      return fail("must be one of AllowedValues");
    if (typeof definition.AllowedPattern === "string") {
      const pattern = compilePattern(definition.AllowedPattern);
      if (pattern === undefined) return `Parameter '${name}' has an invalid AllowedPattern`;
      if (!pattern.test(item)) return fail(`must match pattern ${definition.AllowedPattern}`);
    }
    if (!type.number) {
      const min = definition.MinLength;
      if (min !== undefined && item.length < Number(min))
        return fail(`must contain at least ${min} characters`);
      const max = definition.MaxLength;
      if (max !== undefined && item.length > Number(max))
        return fail(`must contain at most ${max} characters`);
    } else {
      const min = definition.MinValue;
      if (min !== undefined && number < Number(min)) return fail(`must be a number not less than ${min}`);
      const max = definition.MaxValue;
      if (max !== undefined && number > Number(max)) return fail(`must be a number not greater than ${max}`);
    }
  }
  return undefined;
}

/** AllowedPattern matches the whole value, as AWS's (Java) matcher does. */
export function compilePattern(pattern: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return undefined;
  }
}
