/**
 * The condition operator table: how each operator compares one request value with one policy value, whether it
 * is negated, whether policy variables are substituted in its values, and how its policy values are validated.
 */
import { parseDateValue } from "./dates.ts";
import { cidrContains, parseCidr, parseIp } from "./ip.ts";
import type { ConditionOperatorName, SetQualifier } from "./types.ts";
import { arnMatch, globMatch, resolveString, tokenize } from "./wildcard.ts";
import type { VariableLookup } from "./wildcard.ts";

/** Compares one request value with one policy value, after the operator's negation is removed. */
type Compare = (
  requestValue: string,
  policyValue: string,
  lookup: VariableLookup,
  variables: boolean,
) => boolean;

interface OperatorSpec {
  compare: Compare;
  /** Negated operators (StringNotEquals, NotIpAddress…) are true when no value matches, and when the key is absent. */
  negated: boolean;
  /** Policy variables are substituted only in string, ARN and Bool values (IAM user guide, "Condition element"). */
  variables: boolean;
  /** Returns an error message for an unusable policy value. */
  validate?: (policyValue: string) => string | undefined;
}

const plain = (policyValue: string, lookup: VariableLookup, variables: boolean) =>
  variables ? resolveString(tokenize(policyValue, { wildcards: false, variables }), lookup) : policyValue;

const stringEquals: Compare = (r, p, lookup, v) => plain(p, lookup, v) === r;
const stringEqualsIgnoreCase: Compare = (r, p, lookup, v) =>
  plain(p, lookup, v)?.toLowerCase() === r.toLowerCase();
const stringLike: Compare = (r, p, lookup, v) =>
  globMatch(tokenize(p, { wildcards: true, variables: v }), r, lookup);

const toNumber = (text: string) => (text.trim() === "" ? Number.NaN : Number(text));
const numeric =
  (test: (request: number, policy: number) => boolean): Compare =>
  (r, p) => {
    const request = toNumber(r);
    const policy = toNumber(p);
    return !Number.isNaN(request) && !Number.isNaN(policy) && test(request, policy);
  };
const date =
  (test: (request: number, policy: number) => boolean): Compare =>
  (r, p) => {
    const request = parseDateValue(r);
    const policy = parseDateValue(p);
    return request !== undefined && policy !== undefined && test(request, policy);
  };
const bool: Compare = (r, p, lookup, v) => plain(p, lookup, v)?.toLowerCase() === r.toLowerCase();
const base64 = (text: string) => text.replace(/\s+/g, "").replace(/=+$/, "");
const binaryEquals: Compare = (r, p) => base64(r) === base64(p);
const ipAddress: Compare = (r, p) => {
  const range = parseCidr(p);
  const address = parseIp(r);
  return range !== undefined && address !== undefined && cidrContains(range, address);
};
const arnLike: Compare = (r, p, lookup, v) => arnMatch(p, r, lookup, v);

const validNumber = (p: string) => (Number.isNaN(toNumber(p)) ? "must be a number" : undefined);
const validDate = (p: string) =>
  parseDateValue(p) === undefined
    ? "must be an ISO 8601 date (2024-01-31T00:00:00Z) or epoch seconds"
    : undefined;
const validBool = (p: string) =>
  /^(true|false)$/i.test(p) || p.includes("${") ? undefined : 'must be "true" or "false"';
const validNull = (p: string) => (/^(true|false)$/i.test(p) ? undefined : 'must be "true" or "false"');
const validCidr = (p: string) =>
  parseCidr(p) === undefined ? "must be an IPv4 or IPv6 address or CIDR range (203.0.113.0/24)" : undefined;
const validBase64 = (p: string) =>
  /^[A-Za-z0-9+/\s]*={0,2}$/.test(p) ? undefined : "must be base64-encoded";

const op = (compare: Compare, extra: Partial<OperatorSpec> = {}): OperatorSpec => ({
  compare,
  negated: false,
  variables: false,
  ...extra,
});
const str = { variables: true };
const not = { negated: true };

export const operators: Record<Exclude<ConditionOperatorName, "Null">, OperatorSpec> = {
  StringEquals: op(stringEquals, str),
  StringNotEquals: op(stringEquals, { ...str, ...not }),
  StringEqualsIgnoreCase: op(stringEqualsIgnoreCase, str),
  StringNotEqualsIgnoreCase: op(stringEqualsIgnoreCase, { ...str, ...not }),
  StringLike: op(stringLike, str),
  StringNotLike: op(stringLike, { ...str, ...not }),
  NumericEquals: op(
    numeric((a, b) => a === b),
    { validate: validNumber },
  ),
  NumericNotEquals: op(
    numeric((a, b) => a === b),
    { validate: validNumber, ...not },
  ),
  NumericLessThan: op(
    numeric((a, b) => a < b),
    { validate: validNumber },
  ),
  NumericLessThanEquals: op(
    numeric((a, b) => a <= b),
    { validate: validNumber },
  ),
  NumericGreaterThan: op(
    numeric((a, b) => a > b),
    { validate: validNumber },
  ),
  NumericGreaterThanEquals: op(
    numeric((a, b) => a >= b),
    { validate: validNumber },
  ),
  DateEquals: op(
    date((a, b) => a === b),
    { validate: validDate },
  ),
  DateNotEquals: op(
    date((a, b) => a === b),
    { validate: validDate, ...not },
  ),
  DateLessThan: op(
    date((a, b) => a < b),
    { validate: validDate },
  ),
  DateLessThanEquals: op(
    date((a, b) => a <= b),
    { validate: validDate },
  ),
  DateGreaterThan: op(
    date((a, b) => a > b),
    { validate: validDate },
  ),
  DateGreaterThanEquals: op(
    date((a, b) => a >= b),
    { validate: validDate },
  ),
  Bool: op(bool, { ...str, validate: validBool }),
  BinaryEquals: op(binaryEquals, { validate: validBase64 }),
  IpAddress: op(ipAddress, { validate: validCidr }),
  NotIpAddress: op(ipAddress, { validate: validCidr, ...not }),
  ArnEquals: op(arnLike, str),
  ArnLike: op(arnLike, str),
  ArnNotEquals: op(arnLike, { ...str, ...not }),
  ArnNotLike: op(arnLike, { ...str, ...not }),
};

export const validateNullValue = validNull;

const byLowerName = new Map<string, ConditionOperatorName>(
  [...Object.keys(operators), "Null"].map((name) => [name.toLowerCase(), name as ConditionOperatorName]),
);

export interface ParsedOperator {
  base: ConditionOperatorName;
  qualifier?: SetQualifier;
  ifExists: boolean;
}

/** Splits `ForAnyValue:StringLikeIfExists` into its parts; undefined for an unknown operator. */
export function parseOperator(text: string): ParsedOperator | undefined {
  let rest = text;
  let qualifier: SetQualifier | undefined;
  const colon = rest.indexOf(":");
  if (colon >= 0) {
    const prefix = rest.slice(0, colon).toLowerCase();
    if (prefix === "forallvalues") qualifier = "ForAllValues";
    else if (prefix === "foranyvalue") qualifier = "ForAnyValue";
    else return undefined;
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  if (rest.toLowerCase().endsWith("ifexists")) {
    ifExists = true;
    rest = rest.slice(0, -"IfExists".length);
  }
  const base = byLowerName.get(rest.toLowerCase());
  if (base === undefined) return undefined;
  const parsed: ParsedOperator = { base, ifExists };
  if (qualifier !== undefined) parsed.qualifier = qualifier;
  return parsed;
}
