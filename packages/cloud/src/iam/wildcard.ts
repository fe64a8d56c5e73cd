/**
 * Pattern matching for Action, Resource and string/ARN condition values: `*` and `?` wildcards and policy
 * variables (`${aws:username}`, `${key, 'default'}`, and the escapes `${*}`, `${?}`, `${$}`).
 *
 * Patterns are tokenised before variables are substituted, so a substituted value (a user name containing `*`)
 * is always literal, and an ARN pattern is split on the colons the policy author wrote, never on colons inside a
 * variable name like `${aws:username}`.
 */

export type Token =
  | { kind: "text"; text: string }
  | { kind: "star" }
  | { kind: "one" }
  | { kind: "var"; key: string; fallback?: string };

/** Resolves a policy variable to its single value; undefined when absent or multi-valued. */
export type VariableLookup = (key: string) => string | undefined;

const STAR = -1;
const ONE = -2;
type Item = string | typeof STAR | typeof ONE;

const escapes: Record<string, string> = { "*": "*", "?": "?", $: "$" };
const variableBody = /^\s*([^\s,'}]+)\s*(?:,\s*'([^']*)'\s*)?$/;

/**
 * Tokenised patterns, by flags and text: policies are few and evaluated over and over, so each pattern is
 * tokenised once. Bounded: emptied when full (patterns come from stored policies, not from requests).
 */
const tokenCaches = [0, 1, 2, 3].map(() => new Map<string, readonly Token[]>());
const TOKEN_CACHE_MAX = 10_000;

export function tokenize(
  pattern: string,
  options: { wildcards: boolean; variables: boolean },
): readonly Token[] {
  // One map per flag combination: the pattern string itself is the key (its hash is computed once).
  const cache = tokenCaches[(options.wildcards ? 2 : 0) + (options.variables ? 1 : 0)]!;
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  const tokens = Object.freeze(tokenizeUncached(pattern, options));
  if (cache.size >= TOKEN_CACHE_MAX) cache.clear();
  cache.set(pattern, tokens);
  return tokens;
}

function tokenizeUncached(pattern: string, options: { wildcards: boolean; variables: boolean }): Token[] {
  const tokens: Token[] = [];
  let text = "";
  const flush = () => {
    if (text !== "") tokens.push({ kind: "text", text });
    text = "";
  };
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (options.variables && ch === "$" && pattern[i + 1] === "{") {
      const close = pattern.indexOf("}", i + 2);
      if (close > 0) {
        const body = pattern.slice(i + 2, close);
        const escaped = escapes[body];
        if (escaped !== undefined) {
          text += escaped;
          i = close;
          continue;
        }
        const parsed = variableBody.exec(body);
        if (parsed) {
          flush();
          const variable: Token = { kind: "var", key: parsed[1] as string };
          if (parsed[2] !== undefined) variable.fallback = parsed[2];
          tokens.push(variable);
          i = close;
          continue;
        }
      }
    }
    if (options.wildcards && (ch === "*" || ch === "?")) {
      flush();
      tokens.push({ kind: ch === "*" ? "star" : "one" });
      continue;
    }
    text += ch;
  }
  flush();
  return tokens;
}

/** Substitutes variables; undefined when one cannot be resolved (the pattern then matches nothing). */
function resolveItems(
  tokens: readonly Token[],
  lookup: VariableLookup,
  ignoreCase: boolean,
): Item[] | undefined {
  const items: Item[] = [];
  const pushText = (text: string) => {
    for (const ch of ignoreCase ? text.toLowerCase() : text) items.push(ch);
  };
  for (const token of tokens) {
    if (token.kind === "text") pushText(token.text);
    else if (token.kind === "star") items.push(STAR);
    else if (token.kind === "one") items.push(ONE);
    else {
      const value = lookup(token.key) ?? token.fallback;
      if (value === undefined) return undefined;
      pushText(value);
    }
  }
  return items;
}

/** Substitutes variables into a plain string (no wildcards); undefined when a variable is unresolved. */
export function resolveString(tokens: readonly Token[], lookup: VariableLookup): string | undefined {
  const items = resolveItems(tokens, lookup, false);
  return items === undefined ? undefined : items.join("");
}

/**
 * Glob match with backtracking to the last `*` only: O(pattern × input), no regular expressions. `input` is a
 * string only when it has no surrogate pairs (then its code units are its characters).
 */
function globItems(items: readonly Item[], input: string | readonly string[]): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < input.length) {
    const item = items[p];
    if (p < items.length && (item === ONE || item === input[s])) {
      p++;
      s++;
    } else if (p < items.length && item === STAR) {
      starP = p++;
      starS = s;
    } else if (starP >= 0) {
      p = starP + 1;
      s = ++starS;
    } else {
      return false;
    }
  }
  while (items[p] === STAR) p++;
  return p === items.length;
}

/** A pattern without variables, compiled once: a literal, a prefix before one trailing `*`, or glob items. */
type Compiled =
  | { kind: "literal"; text: string }
  | { kind: "prefix"; text: string }
  | { kind: "glob"; items: readonly Item[] };

const compiledCase = new WeakMap<readonly Token[], Compiled | null>();
const compiledNoCase = new WeakMap<readonly Token[], Compiled | null>();
const SURROGATE = /[\uD800-\uDFFF]/;

/** The compiled form of tokens without variables (null when they have some: those resolve per request). */
function compiled(tokens: readonly Token[], ignoreCase: boolean): Compiled | null {
  const cache = ignoreCase ? compiledNoCase : compiledCase;
  let entry = cache.get(tokens);
  if (entry !== undefined) return entry;
  entry = null;
  if (tokens.every((token) => token.kind !== "var")) {
    const text = (t: string) => (ignoreCase ? t.toLowerCase() : t);
    const [first, second] = tokens;
    if (tokens.length === 0) entry = { kind: "literal", text: "" };
    else if (tokens.length === 1 && first?.kind === "text")
      entry = { kind: "literal", text: text(first.text) };
    else if (tokens.length === 2 && first?.kind === "text" && second?.kind === "star")
      entry = { kind: "prefix", text: text(first.text) };
    else entry = { kind: "glob", items: resolveItems(tokens, () => undefined, ignoreCase) ?? [] };
  }
  cache.set(tokens, entry);
  return entry;
}

export function globMatch(
  tokens: readonly Token[],
  input: string,
  lookup: VariableLookup,
  ignoreCase = false,
): boolean {
  const subject = ignoreCase ? input.toLowerCase() : input;
  const fixed = compiled(tokens, ignoreCase);
  if (fixed?.kind === "literal") return subject === fixed.text;
  if (fixed?.kind === "prefix") return subject.startsWith(fixed.text);
  const items = fixed?.kind === "glob" ? fixed.items : resolveItems(tokens, lookup, ignoreCase);
  if (items === undefined) return false;
  return globItems(items, SURROGATE.test(subject) ? Array.from(subject) : subject);
}

/** Splits an ARN into its six parts; the resource part keeps any further colons. */
export function splitArn(arn: string): string[] | undefined {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const colon = arn.indexOf(":", start);
    if (colon < 0) return undefined;
    parts.push(arn.slice(start, colon));
    start = colon + 1;
  }
  parts.push(arn.slice(start));
  return parts[0] === "arn" ? parts : undefined;
}

/** Each ARN pattern's six segments (null: not an ARN pattern), split once per tokenised pattern. */
const arnSegments = new WeakMap<readonly Token[], readonly (readonly Token[])[] | null>();

/** Splits pattern tokens on the first five colons written in the policy text. */
function splitArnTokens(tokens: readonly Token[]): Token[][] | undefined {
  const segments: Token[][] = [[]];
  for (const token of tokens) {
    if (token.kind !== "text" || segments.length === 6) {
      (segments[segments.length - 1] as Token[]).push(token);
      continue;
    }
    const pieces = token.text.split(":");
    pieces.forEach((piece, index) => {
      if (index > 0) {
        if (segments.length < 6) segments.push([]);
        else piece = ":" + piece;
      }
      if (piece !== "") (segments[segments.length - 1] as Token[]).push({ kind: "text", text: piece });
    });
  }
  return segments.length === 6 ? segments : undefined;
}

/**
 * ARN matching as the Resource element and the Arn* operators do it: case-sensitive, each of the six
 * colon-separated parts matched on its own, so a `*` never spans a colon before the resource part.
 */
export function arnMatch(pattern: string, arn: string, lookup: VariableLookup, variables: boolean): boolean {
  if (pattern === "*") return true;
  const tokens = tokenize(pattern, { wildcards: true, variables });
  const parts = splitArn(arn);
  let segments = arnSegments.get(tokens);
  if (segments === undefined) {
    segments = splitArnTokens(tokens) ?? null;
    arnSegments.set(tokens, segments);
  }
  if (segments === null) return globMatch(tokens, arn, lookup);
  // Non-ARN request resources (none are built by Fawkes) fall back to a whole-string match.
  if (parts === undefined) return globMatch(tokens, arn, lookup);
  return segments.every((segment, index) => globMatch(segment, parts[index] as string, lookup));
}

/** Action matching: `service:Name` with wildcards, case-insensitive. */
export function actionMatch(pattern: string, action: string): boolean {
  if (pattern === "*") return true;
  return globMatch(tokenize(pattern, { wildcards: true, variables: false }), action, () => undefined, true);
}
