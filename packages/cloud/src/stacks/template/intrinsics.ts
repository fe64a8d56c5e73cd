/**
 * Recognising intrinsic functions in a template value and checking their shape. Shared by validation (every
 * shape error, collected), the dependency graph (what a value references) and evaluation.
 */
import { childPath, isRecord } from "./model.ts";

/** Every function the engine evaluates (`Condition` only inside `Conditions` and `Fn::And`/`Or`/`Not`). */
export const intrinsicFunctions = [
  "Ref",
  "Condition",
  "Fn::GetAtt",
  "Fn::Join",
  "Fn::Sub",
  "Fn::Base64",
  "Fn::Select",
  "Fn::Split",
  "Fn::If",
  "Fn::Equals",
  "Fn::And",
  "Fn::Or",
  "Fn::Not",
  "Fn::FindInMap",
  "Fn::GetAZs",
  "Fn::ImportValue",
] as const;
export type IntrinsicName = (typeof intrinsicFunctions)[number];

const known = new Set<string>(intrinsicFunctions);
const conditionFunctions = new Set(["Fn::And", "Fn::Or", "Fn::Not", "Condition"]);

export interface IntrinsicCall {
  name: IntrinsicName;
  args: unknown;
}

/**
 * The call `value` is, if it is one: an object whose only key is a function name. `Condition` counts only where
 * conditions are evaluated (elsewhere it is an ordinary key, as in an IAM policy statement).
 */
export function intrinsicOf(value: unknown, conditionContext = false): IntrinsicCall | undefined {
  if (!isRecord(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const name = keys[0]!;
  if (name === "Condition" && !conditionContext) return undefined;
  if (!known.has(name)) return undefined;
  return { name: name as IntrinsicName, args: value[name] };
}

const isString = (value: unknown): value is string => typeof value === "string";
const isList = (value: unknown, length?: number): value is unknown[] =>
  Array.isArray(value) && (length === undefined || value.length === length);
/** A value that may stand where a list is expected: a literal list or a function that returns one. */
const listLike = (value: unknown): boolean => Array.isArray(value) || intrinsicOf(value) !== undefined;
const scalarLike = (value: unknown): boolean =>
  isString(value) || typeof value === "number" || intrinsicOf(value) !== undefined;

const shapes: Record<IntrinsicName, { ok: (args: unknown) => boolean; expected: string }> = {
  Ref: { ok: (a) => isString(a) && a !== "", expected: "a logical name" },
  Condition: { ok: (a) => isString(a) && a !== "", expected: "a condition name" },
  "Fn::GetAtt": {
    ok: (a) => (isString(a) && a.includes(".")) || (isList(a, 2) && isString(a[0]) && isString(a[1])),
    expected: "[logicalName, attributeName]",
  },
  "Fn::Join": { ok: (a) => isList(a, 2) && isString(a[0]) && listLike(a[1]), expected: "[delimiter, list]" },
  "Fn::Sub": {
    ok: (a) => isString(a) || (isList(a, 2) && isString(a[0]) && isRecord(a[1])),
    expected: "a string or [string, {variable: value}]",
  },
  "Fn::Base64": { ok: scalarLike, expected: "a string" },
  "Fn::Select": { ok: (a) => isList(a, 2) && scalarLike(a[0]) && listLike(a[1]), expected: "[index, list]" },
  "Fn::Split": {
    ok: (a) => isList(a, 2) && isString(a[0]) && scalarLike(a[1]),
    expected: "[delimiter, string]",
  },
  "Fn::If": {
    ok: (a) => isList(a, 3) && isString(a[0]),
    expected: "[conditionName, valueIfTrue, valueIfFalse]",
  },
  "Fn::Equals": { ok: (a) => isList(a, 2), expected: "[value1, value2]" },
  "Fn::And": {
    ok: (a) => isList(a) && a.length >= 2 && a.length <= 10,
    expected: "a list of 2 to 10 conditions",
  },
  "Fn::Or": {
    ok: (a) => isList(a) && a.length >= 2 && a.length <= 10,
    expected: "a list of 2 to 10 conditions",
  },
  "Fn::Not": { ok: (a) => isList(a, 1), expected: "[condition]" },
  "Fn::FindInMap": {
    ok: (a) => isList(a, 3) && a.every(scalarLike),
    expected: "[mapName, topLevelKey, secondLevelKey]",
  },
  "Fn::GetAZs": { ok: scalarLike, expected: 'a region name (or "")' },
  "Fn::ImportValue": { ok: scalarLike, expected: "an export name" },
};

/** The shape error of a call, or undefined: `Fn::Join needs [delimiter, list]`. */
export function shapeError(call: IntrinsicCall): string | undefined {
  const shape = shapes[call.name];
  return shape.ok(call.args) ? undefined : `${call.name} needs ${shape.expected}`;
}

/** `Fn::GetAtt`'s arguments as [logicalName, attribute] (both forms), assuming a valid shape. */
export function getAttArgs(args: unknown): [string, string] {
  if (typeof args === "string") {
    const dot = args.indexOf(".");
    return [args.slice(0, dot), args.slice(dot + 1)];
  }
  const [name, attribute] = args as [string, string];
  return [name, attribute];
}

export type WalkEvent =
  | { kind: "call"; call: IntrinsicCall; path: string; conditionContext: boolean }
  | { kind: "invalid"; path: string; message: string };

/**
 * Every intrinsic call in `value`, outermost first, and every object that mixes a function with other keys or
 * names an unsupported function. Iterative over an explicit stack.
 */
export function* walkIntrinsics(
  value: unknown,
  path: string,
  conditionContext = false,
  /** When given, only the branch of an `Fn::If` that its (known) condition picks is walked. */
  conditions?: ReadonlyMap<string, boolean>,
): Generator<WalkEvent> {
  const pending: [unknown, string, boolean][] = [[value, path, conditionContext]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, at, inCondition] = next;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) pending.push([node[i], childPath(at, i), inCondition]);
      continue;
    }
    if (!isRecord(node)) continue;
    const call = intrinsicOf(node, inCondition);
    if (call !== undefined) {
      yield { kind: "call", call, path: at, conditionContext: inCondition };
      const argsAt = childPath(at, call.name);
      const chosen =
        call.name === "Fn::If" && shapeError(call) === undefined
          ? ifBranch(call.args, conditions)
          : undefined;
      if (chosen !== undefined)
        pending.push([(call.args as unknown[])[chosen], childPath(argsAt, chosen), false]);
      else if (call.name !== "Condition")
        pending.push([call.args, argsAt, conditionFunctions.has(call.name)]);
      continue;
    }
    yield* misplacedFunctions(node, at);
    const keys = Object.keys(node);
    for (let i = keys.length - 1; i >= 0; i--) pending.push([node[keys[i]!], childPath(at, keys[i]!), false]);
  }
}

/** Function keys of an object that is not a call: beside other keys, or not a supported function. */
export function misplacedFunctions(node: Record<string, unknown>, path: string): WalkEvent[] {
  const keys = Object.keys(node);
  return keys
    .filter((key) => key.startsWith("Fn::") || (key === "Ref" && keys.length > 1))
    .map((key) => ({
      kind: "invalid",
      path: childPath(path, key),
      message:
        keys.length > 1
          ? `${key} must be the only key of its object`
          : `unsupported intrinsic function ${key}`,
    }));
}

/** The index of the `Fn::If` argument its condition picks (1 or 2), when the condition is known. */
function ifBranch(args: unknown, conditions: ReadonlyMap<string, boolean> | undefined): 1 | 2 | undefined {
  const value = conditions?.get((args as string[])[0]!);
  return value === undefined ? undefined : value ? 1 : 2;
}
