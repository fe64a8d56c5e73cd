/**
 * Reading a template's text: JSON or YAML (JSON when the text starts with `{`), the YAML short-form tags turned
 * into their long form, and the position of every node recorded by path.
 *
 * A template is untrusted input: YAML aliases and merge keys are refused (CloudFormation refuses them too), which
 * also rules out alias expansion bombs, and nesting is bounded before the document is composed.
 */
import { Composer, isAlias, isMap, isScalar, isSeq, LineCounter, Parser } from "yaml";
import type { CollectionTag, CST, Node, ScalarTag } from "yaml";
import { childPath, ErrorCollector, isRecord, setOwn, TemplateValidationError } from "./model.ts";
import type { ParsedTemplate, SourcePosition, TemplateBody } from "./model.ts";

/** Collections inside collections; real templates need about 15. */
export const maxTemplateDepth = 64;

/** AWS takes 51,200 bytes in a request body and 1 MB from S3; the bound keeps parsing cheap. */
export const maxTemplateLength = 1_000_000;

/** Short-form tag → long-form function name. */
const shortForms: Record<string, string> = {
  "!Ref": "Ref",
  "!Condition": "Condition",
  "!Sub": "Fn::Sub",
  "!GetAtt": "Fn::GetAtt",
  "!Join": "Fn::Join",
  "!If": "Fn::If",
  "!Equals": "Fn::Equals",
  "!And": "Fn::And",
  "!Or": "Fn::Or",
  "!Not": "Fn::Not",
  "!FindInMap": "Fn::FindInMap",
  "!Base64": "Fn::Base64",
  "!Select": "Fn::Select",
  "!Split": "Fn::Split",
  "!GetAZs": "Fn::GetAZs",
  "!ImportValue": "Fn::ImportValue",
};

/**
 * The short forms as tags the library knows on scalars, sequences and mappings, so that it does not build a
 * warning (an Error, with its stack) for each; the conversion below turns them into the long form.
 */
const shortFormTags: (ScalarTag | CollectionTag)[] = Object.keys(shortForms).flatMap((tag) => [
  { tag, resolve: (value: string) => value },
  { tag, collection: "seq" as const, resolve: (value: unknown) => value },
  { tag, collection: "map" as const, resolve: (value: unknown) => value },
]);

const sections = new Set([
  "AWSTemplateFormatVersion",
  "Description",
  "Metadata",
  "Parameters",
  "Mappings",
  "Conditions",
  "Transform",
  "Rules",
  "Resources",
  "Outputs",
]);

/** Parses a template; every problem is collected and thrown as one `TemplateValidationError`. */
export function parseTemplate(input: string, source: string): ParsedTemplate {
  const text = input.startsWith("\uFEFF") ? input.slice(1) : input;
  if (text.length > maxTemplateLength)
    throw new TemplateValidationError(source, [
      { message: `a template is at most ${maxTemplateLength} characters`, path: "", line: 1, column: 1 },
    ]);
  const positions = new Map<string, SourcePosition>();
  const lines = new LineCounter();
  const format = /^\s*\{/.test(text) ? "json" : "yaml";
  const draft: ParsedTemplate = { source, format, body: {}, positions };
  const errors = new ErrorCollector(draft);
  let data: unknown;
  if (format === "json") {
    data = parseJson(text, positions, errors);
  } else {
    data = parseYaml(text, lines, positions, errors);
  }
  if (data !== undefined) checkSections(data, errors);
  errors.throwIfAny();
  return { source, format, body: data as TemplateBody, positions };
}

function checkSections(data: unknown, errors: ErrorCollector): void {
  if (!isRecord(data)) {
    errors.add("", "a template must be an object (a mapping of sections)");
    return;
  }
  const unknown = Object.keys(data).filter((key) => !sections.has(key));
  for (const key of unknown) errors.add(key, `Invalid template property or properties [${key}]`);
  for (const key of ["Metadata", "Parameters", "Mappings", "Conditions", "Resources", "Outputs"])
    if (key in data && !isRecord(data[key])) errors.add(key, `the ${key} section must be an object`);
  if (!("Resources" in data)) errors.add("", "a template must have a Resources section");
}

// ---------------------------------------------------------------- JSON

/** JSON.parse gives the value; a scanner of the (then known valid) text gives positions and duplicate keys. */
function parseJson(text: string, positions: Map<string, SourcePosition>, errors: ErrorCollector): unknown {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message
      .replace(/ in JSON at .*$/s, "")
      .replace(/, (\.\.\.)?".*" is not valid JSON$/s, "");
    const { line, column } = lineColumn(text, jsonErrorOffset(text));
    errors.errors.push({ message: `invalid JSON: ${message}`, path: "", line, column });
    return undefined;
  }
  scanJson(text, positions, errors);
  return data;
}

/**
 * Where JSON.parse fails in `text`. V8 names the position of most errors; for an unexpected token it does not, so
 * the shortest prefix that fails before its own end is searched for (a prefix of valid JSON fails only at its end).
 */
function jsonErrorOffset(text: string): number {
  const failureAt = (prefix: string): number => {
    try {
      JSON.parse(prefix);
      return prefix.length;
    } catch (error) {
      const at = /at position (\d+)/.exec((error as Error).message);
      if (at) return Number(at[1]);
      return /Unexpected end of JSON input|Unterminated string/.test((error as Error).message)
        ? prefix.length
        : -1;
    }
  };
  const direct = failureAt(text);
  if (direct >= 0 && direct < text.length) return direct;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    const failure = failureAt(text.slice(0, mid + 1));
    if (failure === -1 || failure < mid + 1) high = mid;
    else low = mid + 1;
  }
  return low;
}

function lineColumn(text: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  return { line, column: offset - lineStart + 1 };
}

interface JsonFrame {
  kind: "object" | "array";
  path: string;
  index: number;
  keys: Set<string>;
  /** The key just read, whose value comes next (objects). */
  key: string | undefined;
}

/** Iterative, so nesting depth costs heap, not stack. Assumes `text` is valid JSON. */
function scanJson(text: string, positions: Map<string, SourcePosition>, errors: ErrorCollector): void {
  let line = 1;
  let lineStart = 0;
  const stack: JsonFrame[] = [];
  const here = (i: number): SourcePosition => ({ line, column: i - lineStart + 1 });
  const valuePath = (): string => {
    const top = stack[stack.length - 1];
    if (top === undefined) return "";
    return top.kind === "array" ? childPath(top.path, top.index) : childPath(top.path, top.key ?? "");
  };
  /** False when nesting is too deep (an error, and the scan stops: paths would grow with the depth). */
  const open = (kind: "object" | "array", i: number): boolean => {
    const path = valuePath();
    if (!positions.has(path)) positions.set(path, here(i));
    if (stack.length >= maxTemplateDepth) {
      errors.errors.push({ message: `nesting deeper than ${maxTemplateDepth} levels`, path, ...here(i) });
      return false;
    }
    stack.push({ kind, path, index: 0, keys: new Set(), key: undefined });
    return true;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      lineStart = i + 1;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === ":") continue;
    const top = stack[stack.length - 1];
    if (c === "{" || c === "[") {
      if (!open(c === "{" ? "object" : "array", i)) return;
      continue;
    }
    if (c === "}" || c === "]") {
      stack.pop();
      continue;
    }
    if (c === ",") {
      if (top?.kind === "array") top.index++;
      else if (top) top.key = undefined;
      continue;
    }
    let end = i + 1;
    if (c === '"') {
      while (text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      end++;
      if (top?.kind === "object" && top.key === undefined) {
        const key = JSON.parse(text.slice(i, end)) as string;
        top.key = key;
        const path = childPath(top.path, key);
        if (top.keys.has(key)) errors.errors.push({ message: `duplicate key ${key}`, path, ...here(i) });
        top.keys.add(key);
        positions.set(path, here(i));
        i = end - 1;
        continue;
      }
    } else {
      while (end < text.length && !/[\s,}\]]/.test(text[end]!)) end++;
    }
    const path = valuePath();
    if (!positions.has(path)) positions.set(path, here(i));
    i = end - 1;
  }
}

// ---------------------------------------------------------------- YAML

function parseYaml(
  text: string,
  lines: LineCounter,
  positions: Map<string, SourcePosition>,
  errors: ErrorCollector,
): unknown {
  const at = (offset: number | undefined): SourcePosition => {
    const { line, col } = lines.linePos(offset ?? 0);
    return { line, column: col };
  };
  const fail = (path: string, offset: number | undefined, message: string): void => {
    errors.errors.push({ message, path, ...at(offset) });
  };
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const tooDeep = deepToken(tokens);
  if (tooDeep !== null) {
    fail("", tooDeep, `nesting deeper than ${maxTemplateDepth} levels`);
    return undefined;
  }
  const composer = new Composer({ uniqueKeys: false, prettyErrors: false, customTags: shortFormTags });
  const docs = [...composer.compose(tokens, true, text.length)];
  const doc = docs[0];
  if (doc === undefined) {
    fail("", 0, "the template is empty");
    return undefined;
  }
  if (docs.length > 1) fail("", docs[1]!.range[0], "a template is one YAML document");
  for (const error of doc.errors) fail("", error.pos[0], `invalid YAML: ${error.message.split("\n")[0]}`);
  if (errors.errors.length > 0) return undefined;

  const tagOffset = (tag: string, valueOffset: number | undefined): number | undefined => {
    if (valueOffset === undefined) return undefined;
    // Searched in a window before the value, so a tag written another way (`!<!Ref>`) costs no rescan.
    const from = Math.max(0, valueOffset - 256);
    const index = text.slice(from, valueOffset).lastIndexOf(tag);
    const found = index < 0 ? -1 : from + index;
    return found >= 0 && text.slice(found + tag.length, valueOffset).trim() === "" ? found : valueOffset;
  };

  const convert = (node: unknown, path: string, keyOffset?: number): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      fail(path, node.range?.[0], "YAML aliases are not supported in templates");
      return null;
    }
    const yamlNode = node as Node;
    const tag = yamlNode.tag?.startsWith("!") ? yamlNode.tag : undefined;
    // A node's range starts at its value; a short-form function is found by its tag, just before.
    const offset = tag === undefined ? yamlNode.range?.[0] : tagOffset(tag, yamlNode.range?.[0]);
    if (!positions.has(path)) positions.set(path, at(keyOffset ?? offset));
    if (yamlNode.anchor) fail(path, offset, "YAML anchors are not supported in templates");
    if (tag !== undefined) {
      const name = shortForms[tag];
      if (name === undefined) {
        fail(path, offset, `unknown tag ${tag}`);
        return null;
      }
      const inner = childPath(path, name);
      positions.set(inner, at(offset));
      let value = plain(yamlNode, inner);
      if (name === "Fn::GetAtt" && typeof value === "string") {
        const dot = value.indexOf(".");
        value = dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
      }
      return { [name]: value };
    }
    return plain(yamlNode, path);
  };

  const plain = (node: Node, path: string): unknown => {
    if (isMap(node)) {
      const value: Record<string, unknown> = {};
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        if (
          isScalar(keyNode) &&
          (typeof keyNode.value === "symbol" || (keyNode.value === "<<" && keyNode.type === "PLAIN"))
        ) {
          fail(path, keyNode.range?.[0], "YAML merge keys (<<) are not supported in templates");
          continue;
        }
        if (!isScalar(keyNode) || (keyNode.value !== null && typeof keyNode.value === "object")) {
          fail(path, keyNode?.range?.[0], "a mapping key must be a scalar");
          continue;
        }
        const key = keyNode.value === null ? "" : String(keyNode.value as string);
        const keyPath = childPath(path, key);
        if (Object.hasOwn(value, key)) fail(keyPath, keyNode.range?.[0], `duplicate key ${key}`);
        setOwn(value, key, convert(pair.value, keyPath, keyNode.range?.[0]));
      }
      return value;
    }
    if (isSeq(node)) return node.items.map((item, index) => convert(item, childPath(path, index)));
    return isScalar(node) ? node.value : null;
  };

  return convert(doc.contents, "");
}

/** Offset of the first collection nested deeper than `maxTemplateDepth` in the token tree, or null. */
function deepToken(tokens: readonly CST.Token[]): number | null {
  const pending: [CST.Token | null | undefined, number][] = tokens.map((token) => [token, 0]);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [token, depth] = next;
    if (!token) continue;
    if (token.type === "document") pending.push([token.value, depth]);
    if (token.type !== "block-map" && token.type !== "block-seq" && token.type !== "flow-collection")
      continue;
    if (depth >= maxTemplateDepth) return token.offset;
    for (const item of token.items) {
      if ("key" in item) pending.push([item.key, depth + 1]);
      pending.push([item.value, depth + 1]);
    }
  }
  return null;
}
