/**
 * Evaluating intrinsic functions. The stack engine supplies what only it knows — physical ids (`ref`), attributes
 * of created resources (`getAtt`), other stacks' exports (`importValue`) and availability zones (`azs`) — as
 * callbacks; every error names the path (and, given the template, the line and column) of the failing call.
 */
import { getAttArgs, intrinsicOf, misplacedFunctions, shapeError } from "./intrinsics.ts";
import type { IntrinsicCall } from "./intrinsics.ts";
import { childPath, ErrorCollector, isRecord, setOwn } from "./model.ts";
import type { ParsedTemplate } from "./model.ts";
import { parseSub, splitSubVariable } from "./sub.ts";

export interface PseudoParameters {
  stackName: string;
  stackId: string;
  region: string;
  accountId: string;
  partition: string;
  urlSuffix: string;
  notificationArns: readonly string[];
}

/** A parameter's value as `Ref` gives it: a string, or a list for `List<…>` and `CommaDelimitedList` types. */
export type ParameterValue = string | readonly string[];

export interface EvalContext {
  parameters: Readonly<Record<string, ParameterValue>>;
  pseudo: PseudoParameters;
  /** Condition values by name (`evaluateConditions`). */
  conditions: { get(name: string): boolean | undefined };
  mappings: Readonly<Record<string, unknown>>;
  /** The physical id of a resource already created. */
  ref(logicalId: string): string;
  getAtt(logicalId: string, attribute: string): unknown;
  importValue(name: string): string;
  azs(region: string): string[];
  /** The template the values come from, so errors name line and column. */
  template?: ParsedTemplate;
}

/** Pseudo-parameters and the field of `PseudoParameters` each gives; `AWS::NoValue` is evaluation's own. */
const pseudoFields: Readonly<Record<string, keyof PseudoParameters>> = {
  "AWS::StackName": "stackName",
  "AWS::StackId": "stackId",
  "AWS::Region": "region",
  "AWS::AccountId": "accountId",
  "AWS::Partition": "partition",
  "AWS::URLSuffix": "urlSuffix",
  "AWS::NotificationARNs": "notificationArns",
};

export const pseudoParameterNames: readonly string[] = [...Object.keys(pseudoFields), "AWS::NoValue"];

export function pseudoParameter(name: string, pseudo: PseudoParameters): ParameterValue | undefined {
  const field = Object.hasOwn(pseudoFields, name) ? pseudoFields[name] : undefined;
  return field === undefined ? undefined : pseudo[field];
}

const noValue = Symbol("AWS::NoValue");

/** Thrown inside evaluation; turned into a `TemplateValidationError` at the top. */
class EvaluationProblem extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

/**
 * `value` with every intrinsic function evaluated. Keys and list elements whose value is `AWS::NoValue` are
 * removed; a value that is itself `AWS::NoValue` gives `undefined`.
 */
export function resolveValue(value: unknown, ctx: EvalContext, path = ""): unknown {
  return evaluateAt(value, ctx, path, false);
}

/** A condition's definition evaluated (where `{Condition: name}` is a function). */
export function resolveCondition(value: unknown, ctx: EvalContext, path: string): unknown {
  return evaluateAt(value, ctx, path, true);
}

function evaluateAt(value: unknown, ctx: EvalContext, path: string, inCondition: boolean): unknown {
  try {
    const result = evaluate(value, ctx, path, inCondition);
    return result === noValue ? undefined : result;
  } catch (error) {
    if (!(error instanceof EvaluationProblem)) throw error;
    const errors = new ErrorCollector(ctx.template);
    errors.add(error.path, error.message);
    errors.throwIfAny();
    throw error;
  }
}

/** `inCondition`: `value` stands where a condition does, so `{Condition: name}` is the `Condition` function. */
function evaluate(value: unknown, ctx: EvalContext, path: string, inCondition = false): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    value.forEach((item, index) => {
      const result = evaluate(item, ctx, childPath(path, index), inCondition);
      if (result !== noValue) out.push(result);
    });
    return out;
  }
  if (!isRecord(value)) return value;
  const call = intrinsicOf(value, inCondition);
  if (call !== undefined) return callFunction(call, ctx, path);
  const misplaced = misplacedFunctions(value, path)[0];
  if (misplaced?.kind === "invalid") throw new EvaluationProblem(misplaced.path, misplaced.message);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const result = evaluate(item, ctx, childPath(path, key));
    if (result !== noValue) setOwn(out, key, result);
  }
  return out;
}

function callFunction(call: IntrinsicCall, ctx: EvalContext, path: string): unknown {
  const shape = shapeError(call);
  if (shape !== undefined) throw new EvaluationProblem(path, shape);
  const at = childPath(path, call.name);
  const args = call.args as unknown[];
  const argsAreConditions = call.name === "Fn::And" || call.name === "Fn::Or" || call.name === "Fn::Not";
  const arg = (index: number): unknown => evaluate(args[index], ctx, childPath(at, index), argsAreConditions);
  switch (call.name) {
    case "Ref":
      return ref(call.args as string, ctx, at);
    case "Condition":
      return condition(call.args as string, ctx, at);
    case "Fn::GetAtt": {
      const [name, attribute] = getAttArgs(call.args);
      return callback(at, () => ctx.getAtt(name, attribute));
    }
    case "Fn::Join": {
      const list = stringList(arg(1), childPath(at, 1), "Fn::Join");
      return list.join(args[0] as string);
    }
    case "Fn::Sub":
      return sub(call.args, ctx, at);
    case "Fn::Base64":
      return Buffer.from(scalarString(evaluate(call.args, ctx, at), at, "Fn::Base64"), "utf8").toString(
        "base64",
      );
    case "Fn::Select": {
      const rawIndex = scalarString(arg(0), childPath(at, 0), "Fn::Select's index");
      const index = rawIndex.trim() === "" ? Number.NaN : Number(rawIndex);
      if (!Number.isInteger(index) || index < 0)
        throw new EvaluationProblem(
          childPath(at, 0),
          `Fn::Select's index must be a whole number, not "${rawIndex}"`,
        );
      const list = arg(1);
      if (!Array.isArray(list)) throw new EvaluationProblem(childPath(at, 1), "Fn::Select needs a list");
      if (index >= list.length)
        throw new EvaluationProblem(
          at,
          `Fn::Select index ${index} is out of bounds (the list has ${list.length})`,
        );
      return list[index];
    }
    case "Fn::Split":
      return scalarString(arg(1), childPath(at, 1), "Fn::Split").split(args[0] as string);
    case "Fn::If":
      return condition(args[0] as string, ctx, childPath(at, 0)) ? arg(1) : arg(2);
    case "Fn::Equals":
      return sameValue(arg(0), arg(1));
    case "Fn::And":
      return args.map((_, index) => boolean(arg(index), childPath(at, index))).every(Boolean);
    case "Fn::Or":
      return args.map((_, index) => boolean(arg(index), childPath(at, index))).some(Boolean);
    case "Fn::Not":
      return !boolean(arg(0), childPath(at, 0));
    case "Fn::FindInMap":
      return findInMap(
        args.map((_, index) => scalarString(arg(index), childPath(at, index), "Fn::FindInMap")),
        ctx,
        at,
      );
    case "Fn::GetAZs": {
      const region = scalarString(evaluate(call.args, ctx, at), at, "Fn::GetAZs");
      return callback(at, () => ctx.azs(region === "" ? ctx.pseudo.region : region));
    }
    case "Fn::ImportValue": {
      const name = scalarString(evaluate(call.args, ctx, at), at, "Fn::ImportValue");
      return callback(at, () => ctx.importValue(name));
    }
  }
}

function ref(name: string, ctx: EvalContext, path: string): unknown {
  if (name === "AWS::NoValue") return noValue;
  const pseudo = pseudoParameter(name, ctx.pseudo);
  if (pseudo !== undefined) return Array.isArray(pseudo) ? [...pseudo] : pseudo;
  if (Object.hasOwn(ctx.parameters, name)) {
    const value = ctx.parameters[name]!;
    return Array.isArray(value) ? [...value] : value;
  }
  return callback(path, () => ctx.ref(name));
}

function condition(name: string, ctx: EvalContext, path: string): boolean {
  const value = ctx.conditions.get(name);
  if (value === undefined) throw new EvaluationProblem(path, `condition ${name} is not defined`);
  return value;
}

function sub(args: unknown, ctx: EvalContext, path: string): string {
  const [text, variables] =
    typeof args === "string" ? [args, {}] : (args as [string, Record<string, unknown>]);
  const values = new Map<string, unknown>();
  for (const [name, value] of Object.entries(variables))
    values.set(name, evaluate(value, ctx, childPath(childPath(path, 1), name)));
  const textPath = typeof args === "string" ? path : childPath(path, 0);
  return parseSub(text)
    .map((part) => {
      if ("literal" in part) return part.literal;
      const variable = part.variable;
      let value: unknown;
      if (values.has(variable)) value = values.get(variable);
      else {
        const [name, attribute] = splitSubVariable(variable);
        value =
          attribute === undefined
            ? ref(name, ctx, textPath)
            : callback(textPath, () => ctx.getAtt(name, attribute));
      }
      return scalarString(value, textPath, `Fn::Sub variable \${${variable}}`);
    })
    .join("");
}

function findInMap([map, top, second]: string[], ctx: EvalContext, path: string): unknown {
  const mapping = Object.hasOwn(ctx.mappings, map!) ? ctx.mappings[map!] : undefined;
  if (!isRecord(mapping)) throw new EvaluationProblem(path, `Fn::FindInMap: mapping ${map} is not defined`);
  const level = Object.hasOwn(mapping, top!) ? mapping[top!] : undefined;
  if (!isRecord(level))
    throw new EvaluationProblem(path, `Fn::FindInMap: key '${top}' not found in mapping '${map}'`);
  if (!Object.hasOwn(level, second!))
    throw new EvaluationProblem(
      path,
      `Fn::FindInMap: key '${second}' not found in mapping '${map}' under '${top}'`,
    );
  return level[second!];
}

function callback(path: string, run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    if (error instanceof EvaluationProblem) throw error;
    throw new EvaluationProblem(path, error instanceof Error ? error.message : String(error));
  }
}

function scalarString(value: unknown, path: string, what: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new EvaluationProblem(path, `${what} needs a string, not ${describe(value)}`);
}

function stringList(value: unknown, path: string, what: string): string[] {
  if (!Array.isArray(value))
    throw new EvaluationProblem(path, `${what} needs a list, not ${describe(value)}`);
  return value.map((item, index) => scalarString(item, childPath(path, index), `${what}'s list`));
}

function boolean(value: unknown, path: string): boolean {
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  throw new EvaluationProblem(path, `a condition function needs a condition, not ${describe(value)}`);
}

function sameValue(a: unknown, b: unknown): boolean {
  const scalar = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";
  if (scalar(a) && scalar(b)) return String(a) === String(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

function describe(value: unknown): string {
  if (value === noValue) return "AWS::NoValue";
  if (Array.isArray(value)) return "a list";
  if (value === null || value === undefined) return "nothing";
  return typeof value === "object" ? "an object" : JSON.stringify(value);
}
