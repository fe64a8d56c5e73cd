/**
 * The request context as the evaluator sees it: every key lower-cased (key names are case-insensitive in IAM)
 * and every value a list of strings, with the keys AWS always provides filled in from the principal and clock.
 */
import type { AuthorizationRequest, ContextScalar, ContextValue } from "./types.ts";
import { splitArn } from "./wildcard.ts";
import type { VariableLookup } from "./wildcard.ts";

export interface RequestContext {
  /** Absent keys are not in the map; an empty list is a key present with no values. */
  values: Map<string, string[]>;
  /** Policy variables resolve only to single-valued keys. */
  lookup: VariableLookup;
}

function scalarToString(value: ContextScalar): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function toValues(value: ContextValue): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    return (value as readonly (ContextScalar | null | undefined)[])
      .filter((item): item is ContextScalar => item !== null && item !== undefined)
      .map(scalarToString);
  }
  return [scalarToString(value as ContextScalar)];
}

/** `arn:aws:iam::123456789012:user/division/alice` → `alice`. */
function userName(arn: string): string | undefined {
  const resource = splitArn(arn)?.[5];
  if (resource === undefined || !resource.startsWith("user/")) return undefined;
  return resource.slice(resource.lastIndexOf("/") + 1);
}

export function buildRequestContext(request: AuthorizationRequest, now: Date): RequestContext {
  const values = new Map<string, string[]>();
  for (const [key, value] of Object.entries(request.context ?? {})) {
    const list = toValues(value);
    if (list !== undefined) values.set(key.toLowerCase(), list);
  }
  const setDefault = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== "" && !values.has(key)) values.set(key, [value]);
  };
  const { principal } = request;
  setDefault("aws:currenttime", now.toISOString());
  setDefault("aws:epochtime", String(Math.floor(now.getTime() / 1000)));
  setDefault("aws:principaltype", principal.type);
  if (principal.type !== "Anonymous") {
    setDefault("aws:principalarn", principal.roleArn ?? principal.arn);
    setDefault("aws:principalaccount", principal.account);
  }
  if (principal.type === "User") setDefault("aws:username", userName(principal.arn));

  const lookup: VariableLookup = (key) => {
    const list = values.get(key.toLowerCase());
    return list !== undefined && list.length === 1 ? list[0] : undefined;
  };
  return { values, lookup };
}
