/**
 * The shapes the template engine reads and returns. A template is parsed once into its long form (YAML short-form
 * tags become `{"Fn::…": …}` objects) plus a map from every node's path to its line and column, so that a problem
 * found later — in validation, parameter resolution or evaluation — still names where it is in the file.
 */

/** 1-based line and column of a node in the template text. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** One problem in a template. `path` names the node: `Resources.Web.Properties.Tags[0].Value`. */
export interface TemplateError {
  message: string;
  path: string;
  line: number;
  column: number;
}

/** Every problem found in one pass, thrown together; the message lists `source:line:column: message` per problem. */
export class TemplateValidationError extends Error {
  readonly source: string;
  readonly errors: readonly TemplateError[];
  constructor(source: string, errors: readonly TemplateError[]) {
    super(errors.map((error) => `${source}:${error.line}:${error.column}: ${error.message}`).join("\n"));
    this.name = "TemplateValidationError";
    this.source = source;
    this.errors = errors;
  }
}

/** A template's sections in their long form. Sections are objects when present (parse checks that). */
export interface TemplateBody {
  AWSTemplateFormatVersion?: string;
  Description?: string;
  Metadata?: Record<string, unknown>;
  Parameters?: Record<string, ParameterDefinition>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Conditions?: Record<string, unknown>;
  Transform?: unknown;
  Rules?: unknown;
  Resources?: Record<string, ResourceDefinition>;
  Outputs?: Record<string, OutputDefinition>;
}

export interface ParameterDefinition {
  Type?: string;
  Default?: unknown;
  AllowedValues?: unknown[];
  AllowedPattern?: string;
  MinLength?: number | string;
  MaxLength?: number | string;
  MinValue?: number | string;
  MaxValue?: number | string;
  ConstraintDescription?: string;
  Description?: string;
  NoEcho?: boolean | string;
}

export interface ResourceDefinition {
  Type?: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
  Metadata?: unknown;
  CreationPolicy?: unknown;
  UpdatePolicy?: unknown;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface OutputDefinition {
  Value?: unknown;
  Description?: string;
  Condition?: string;
  Export?: { Name?: unknown };
}

export interface ParsedTemplate {
  /** What the text was called (a file name, `TemplateBody`): the prefix of every error. */
  source: string;
  format: "json" | "yaml";
  body: TemplateBody;
  /** Position of each node by path (`""` is the document). */
  positions: ReadonlyMap<string, SourcePosition>;
}

/** Joins a path: keys with `.`, list indexes as `[n]`. */
export function childPath(path: string, segment: string | number): string {
  if (typeof segment === "number") return `${path}[${segment}]`;
  return path === "" ? segment : `${path}.${segment}`;
}

/** The position of `path`, else of its nearest ancestor that has one, else 1:1. */
export function positionOf(template: ParsedTemplate | undefined, path: string): SourcePosition {
  if (template === undefined) return { line: 1, column: 1 };
  let at = path;
  for (;;) {
    const found = template.positions.get(at);
    if (found !== undefined) return found;
    if (at === "") return { line: 1, column: 1 };
    at = parentPath(at);
  }
}

function parentPath(path: string): string {
  const lastDot = path.lastIndexOf(".");
  const lastBracket = path.endsWith("]") ? path.lastIndexOf("[") : -1;
  const cut = Math.max(lastDot, lastBracket);
  return cut <= 0 ? "" : path.slice(0, cut);
}

/** Collects errors with their positions and throws them together. */
export class ErrorCollector {
  readonly errors: TemplateError[] = [];
  private readonly template: ParsedTemplate | undefined;
  private readonly source: string;
  constructor(template: ParsedTemplate | undefined, source = template?.source ?? "template") {
    this.template = template;
    this.source = source;
  }
  add(path: string, message: string): void {
    this.errors.push({ message, path, ...positionOf(this.template, path) });
  }
  throwIfAny(): void {
    if (this.errors.length > 0) throw new TemplateValidationError(this.source, this.errors);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Sets an own key; `__proto__` stays data (an own key), never the object's prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}
