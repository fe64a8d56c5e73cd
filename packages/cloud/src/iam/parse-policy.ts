/**
 * Parses and validates an IAM JSON policy document (IAM user guide, "IAM JSON policy element reference" and
 * "Grammar of the IAM JSON policy language"). Invalid documents are a list of issues, each with a JSON path
 * (`Statement[1].Effect: must be Allow or Deny`), never a throw; `parsePolicyOrThrow` wraps that for callers that
 * want a FawkesError.
 */
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { operators, parseOperator, validateNullValue } from "./operators.ts";
import type {
  ConditionClause,
  Policy,
  PolicyIssue,
  PolicyKind,
  PolicyStatement,
  PolicyVersion,
  PrincipalSpec,
} from "./types.ts";

export interface ParsePolicyOptions {
  /**
   * `identity`: Principal/NotPrincipal forbidden. `resource` (bucket policies): Principal or NotPrincipal required.
   * `trust` (role trust policies): Principal required, Resource optional. Unset: Principal optional.
   */
  kind?: PolicyKind;
}

export interface ParsePolicyResult {
  /** The normalised policy; undefined when there is any issue. */
  policy: Policy | undefined;
  issues: PolicyIssue[];
}

const VERSIONS: readonly PolicyVersion[] = ["2012-10-17", "2008-10-17"];
const POLICY_KEYS = new Set(["Version", "Id", "Statement"]);
const STATEMENT_KEYS = new Set([
  "Sid",
  "Effect",
  "Principal",
  "NotPrincipal",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Condition",
]);
const PRINCIPAL_KEYS: Record<string, keyof Omit<PrincipalSpec, "any">> = {
  AWS: "aws",
  Service: "service",
  Federated: "federated",
  CanonicalUser: "canonicalUser",
};
const ACTION = /^[A-Za-z0-9-]+:[A-Za-z0-9*?_-]+$/;
const ACCOUNT_ID = /^\d{12}$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

class Parser {
  readonly issues: PolicyIssue[] = [];
  private readonly kind: PolicyKind | undefined;

  constructor(kind: PolicyKind | undefined) {
    this.kind = kind;
  }

  issue(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  /** A string or a non-empty array of strings. */
  stringList(value: unknown, path: string): string[] | undefined {
    if (typeof value === "string") return [value];
    if (!Array.isArray(value) || value.length === 0) {
      this.issue(path, "must be a string or a non-empty array of strings");
      return undefined;
    }
    const bad = value.findIndex((item) => typeof item !== "string");
    if (bad >= 0) {
      this.issue(`${path}[${bad}]`, "must be a string");
      return undefined;
    }
    return value as string[];
  }

  policy(document: unknown): Policy | undefined {
    if (!isObject(document)) {
      this.issue("", "a policy must be a JSON object");
      return undefined;
    }
    for (const key of Object.keys(document)) {
      if (!POLICY_KEYS.has(key)) this.issue(key, "unknown policy element");
    }
    let version: PolicyVersion = "2008-10-17";
    if (document.Version !== undefined) {
      if (VERSIONS.includes(document.Version as PolicyVersion)) version = document.Version as PolicyVersion;
      else this.issue("Version", 'must be "2012-10-17" or "2008-10-17"');
    }
    if (document.Id !== undefined && typeof document.Id !== "string") this.issue("Id", "must be a string");
    const raw = document.Statement;
    let entries: [unknown, string][] = [];
    if (raw === undefined) this.issue("Statement", "is required");
    else if (isObject(raw)) entries = [[raw, "Statement"]];
    else if (Array.isArray(raw) && raw.length > 0) entries = raw.map((item, i) => [item, `Statement[${i}]`]);
    else this.issue("Statement", "must be a statement object or a non-empty array of statements");

    const statements: PolicyStatement[] = [];
    const sids = new Set<string>();
    for (const [item, path] of entries) {
      const statement = this.statement(item, path);
      if (statement?.sid !== undefined) {
        if (sids.has(statement.sid)) this.issue(`${path}.Sid`, `duplicate Sid "${statement.sid}"`);
        sids.add(statement.sid);
      }
      if (statement) statements.push(statement);
    }
    const policy: Policy = { version, statements };
    if (typeof document.Id === "string") policy.id = document.Id;
    return policy;
  }

  statement(raw: unknown, path: string): PolicyStatement | undefined {
    if (!isObject(raw)) {
      this.issue(path, "must be an object");
      return undefined;
    }
    for (const key of Object.keys(raw)) {
      if (!STATEMENT_KEYS.has(key)) this.issue(`${path}.${key}`, "unknown statement element");
    }
    const statement: PolicyStatement = { effect: "Allow", condition: [] };
    if (raw.Sid !== undefined) {
      if (typeof raw.Sid === "string") statement.sid = raw.Sid;
      else this.issue(`${path}.Sid`, "must be a string");
    }
    if (raw.Effect === "Allow" || raw.Effect === "Deny") statement.effect = raw.Effect;
    else if (raw.Effect === undefined) this.issue(`${path}.Effect`, "is required (Allow or Deny)");
    else this.issue(`${path}.Effect`, "must be Allow or Deny");

    this.principals(raw, path, statement);
    const actions = this.exclusive(raw, path, "Action", "NotAction", true);
    if (actions) {
      const list = this.stringList(actions.value, `${path}.${actions.name}`);
      list?.forEach((action, i) => {
        if (action !== "*" && !ACTION.test(action)) {
          this.issue(
            `${path}.${actions.name}[${i}]`,
            `"${action}" is not an action (service:ActionName, e.g. s3:GetObject)`,
          );
        }
      });
      if (list) statement[actions.name === "Action" ? "action" : "notAction"] = list;
    }
    const resources = this.exclusive(raw, path, "Resource", "NotResource", this.kind !== "trust");
    if (resources) {
      const list = this.stringList(resources.value, `${path}.${resources.name}`);
      list?.forEach((resource, i) => this.checkResource(resource, `${path}.${resources.name}[${i}]`));
      if (list) statement[resources.name === "Resource" ? "resource" : "notResource"] = list;
    }
    if (raw.Condition !== undefined) statement.condition = this.condition(raw.Condition, `${path}.Condition`);
    return statement;
  }

  /** Exactly one of two mutually exclusive elements (Action/NotAction…), or at most one when optional. */
  exclusive(raw: Record<string, unknown>, path: string, name: string, notName: string, required: boolean) {
    const has = raw[name] !== undefined;
    const hasNot = raw[notName] !== undefined;
    if (has && hasNot) this.issue(`${path}.${notName}`, `cannot be used together with ${name}`);
    else if (!has && !hasNot) {
      if (required) this.issue(path, `must contain ${name} or ${notName}`);
    } else return { name: has ? name : notName, value: has ? raw[name] : raw[notName] };
    return undefined;
  }

  checkResource(resource: string, path: string): void {
    if (resource === "*") return;
    const colons = [...resource.matchAll(/:/g)].map((m) => m.index);
    const prefixEnd = colons[4];
    if (!resource.startsWith("arn:") || prefixEnd === undefined) {
      this.issue(path, `"${resource}" is not an ARN (arn:partition:service:region:account:resource) or "*"`);
    } else if (resource.slice(0, prefixEnd).includes("${")) {
      this.issue(path, "policy variables are allowed only in the resource part of an ARN");
    }
  }

  principals(raw: Record<string, unknown>, path: string, statement: PolicyStatement): void {
    const found = this.exclusive(raw, path, "Principal", "NotPrincipal", false);
    if (this.kind === "identity") {
      if (found) this.issue(`${path}.${found.name}`, "is not allowed in an identity policy");
      return;
    }
    if (!found) {
      if (this.kind === "resource" || this.kind === "trust") {
        this.issue(path, "must contain Principal or NotPrincipal");
      }
      return;
    }
    const spec = this.principal(found.value, `${path}.${found.name}`);
    if (spec) statement[found.name === "Principal" ? "principal" : "notPrincipal"] = spec;
  }

  principal(value: unknown, path: string): PrincipalSpec | undefined {
    const spec: PrincipalSpec = { any: false, aws: [], service: [], federated: [], canonicalUser: [] };
    if (value === "*") return { ...spec, any: true };
    if (!isObject(value) || Object.keys(value).length === 0) {
      this.issue(path, 'must be "*" or an object such as {"AWS": "arn:aws:iam::123456789012:root"}');
      return undefined;
    }
    for (const [key, entries] of Object.entries(value)) {
      const field = PRINCIPAL_KEYS[key];
      if (field === undefined) {
        this.issue(`${path}.${key}`, "unknown principal type (AWS, Service, Federated or CanonicalUser)");
        continue;
      }
      const list = this.stringList(entries, `${path}.${key}`);
      if (!list) continue;
      list.forEach((entry, i) => {
        if (field === "aws" && entry === "*") spec.any = true;
        else if (field === "aws" && !ACCOUNT_ID.test(entry) && !entry.startsWith("arn:")) {
          this.issue(`${path}.${key}[${i}]`, `"${entry}" is not an account id, an ARN or "*"`);
        } else if (entry.includes("*") && field === "aws") {
          this.issue(`${path}.${key}[${i}]`, 'wildcards are not allowed in principals (use "*" alone)');
        } else spec[field].push(entry);
      });
    }
    return spec;
  }

  condition(raw: unknown, path: string): ConditionClause[] {
    if (!isObject(raw)) {
      this.issue(path, "must be an object of operator → {key → value(s)}");
      return [];
    }
    const clauses: ConditionClause[] = [];
    for (const [operator, block] of Object.entries(raw)) {
      const opPath = `${path}.${operator}`;
      const parsed = parseOperator(operator);
      if (parsed === undefined) {
        this.issue(opPath, "unknown condition operator");
        continue;
      }
      if (parsed.base === "Null" && (parsed.ifExists || parsed.qualifier !== undefined)) {
        this.issue(opPath, "Null cannot take IfExists or a ForAllValues/ForAnyValue qualifier");
        continue;
      }
      if (!isObject(block) || Object.keys(block).length === 0) {
        this.issue(opPath, "must be a non-empty object of condition key → value(s)");
        continue;
      }
      const validate = parsed.base === "Null" ? validateNullValue : operators[parsed.base].validate;
      for (const [key, rawValues] of Object.entries(block)) {
        const keyPath = `${opPath}.${key}`;
        if (key === "") this.issue(keyPath, "condition key must not be empty");
        const values = this.conditionValues(rawValues, keyPath);
        if (values === undefined) continue;
        values.forEach((value, i) => {
          const problem = validate?.(value);
          if (problem) this.issue(Array.isArray(rawValues) ? `${keyPath}[${i}]` : keyPath, problem);
        });
        const clause: ConditionClause = {
          operator,
          base: parsed.base,
          ifExists: parsed.ifExists,
          key,
          values,
        };
        if (parsed.qualifier !== undefined) clause.qualifier = parsed.qualifier;
        clauses.push(clause);
      }
    }
    return clauses;
  }

  conditionValues(raw: unknown, path: string): string[] | undefined {
    const scalar = (value: unknown) =>
      typeof value === "string" ||
      typeof value === "boolean" ||
      (typeof value === "number" && Number.isFinite(value));
    if (scalar(raw)) return [String(raw)];
    if (Array.isArray(raw) && raw.length > 0 && raw.every(scalar)) return raw.map(String);
    this.issue(path, "must be a string, number or boolean, or a non-empty array of them");
    return undefined;
  }
}

export function parsePolicy(input: string | unknown, options: ParsePolicyOptions = {}): ParsePolicyResult {
  let document = input;
  if (typeof input === "string") {
    try {
      document = JSON.parse(input);
    } catch (error) {
      return {
        policy: undefined,
        issues: [{ path: "", message: `not valid JSON: ${(error as Error).message}` }],
      };
    }
  }
  const parser = new Parser(options.kind);
  const policy = parser.policy(document);
  return { policy: parser.issues.length === 0 ? policy : undefined, issues: parser.issues };
}

/** `Statement[1].Effect: must be Allow or Deny`, one issue per line. */
export function formatPolicyIssues(issues: readonly PolicyIssue[]): string {
  return issues
    .map((issue) => (issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`))
    .join("\n");
}

/** parsePolicy for callers that want a throw: FAWKES_VALIDATION_FAILED (400) with one error per issue. */
export function parsePolicyOrThrow(input: string | unknown, options: ParsePolicyOptions = {}): Policy {
  const { policy, issues } = parsePolicy(input, options);
  if (policy !== undefined) return policy;
  throw new FawkesError(ErrorCode.validation, `invalid policy:\n${formatPolicyIssues(issues)}`, {
    errors: issues.map((issue) => ({ path: issue.path, message: issue.message })),
  });
}
