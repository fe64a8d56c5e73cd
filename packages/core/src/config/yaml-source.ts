/**
 * Parsing one YAML file while keeping positions, so every issue can say `file:line:column`.
 *
 * Every step is linear in the file (a config file is untrusted input that the server parses): the library parses
 * with its own unique-key check off (it compares each key with every earlier one of its mapping: quadratic), and
 * this module checks nesting before composing, then turns the document into plain data in one pass that finds
 * duplicate keys with a set per mapping, resolves aliases through a table built on the way (the library's alias
 * resolution scans the document for each alias) and bounds what aliases expand to.
 */
import { Composer, isAlias, isMap, isScalar, isSeq, LineCounter, Parser, YAMLParseError } from "yaml";
import type { Alias, Document, Node, Pair, YAMLMap } from "yaml";
import type { CST } from "yaml";
import type { ConfigIssue, SourceLocation } from "./model.ts";

export type PathSegment = string | number;

/** Bounds on one YAML document; a document beyond them is an invalid file, not a stalled parser. */
export const yamlLimits = Object.freeze({
  /** Collections inside collections, in the text and once aliases are expanded. GoCD files need about 15. */
  maxDepth: 100,
  /** Nodes that aliases may add to the document when expanded (what a billion-laughs file multiplies). */
  maxAliasExpansion: 100_000,
});

/** Finds the position of a key or value in one parsed file by its path (`["pipelines", "p", "stages", 0]`). */
export interface Locator {
  file: string;
  /**
   * Position of the element at `path`: its value when `prefer` is "value" and the value is a scalar, otherwise
   * its key (or list item). Falls back to the deepest element of the path that exists.
   */
  at(path: readonly PathSegment[], prefer?: "key" | "value"): SourceLocation;
}

export interface ParsedYamlFile {
  file: string;
  /** The document as plain data (aliases and merge keys resolved); undefined when the YAML is invalid. */
  data: unknown;
  locator: Locator;
  issues: ConfigIssue[];
}

export function parseYamlFile(file: string, text: string): ParsedYamlFile {
  const lineCounter = new LineCounter();
  const position = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const issueAt = (offset: number, message: string): ConfigIssue => ({
    ...position(offset),
    message: `invalid YAML: ${message}`,
    pipelines: [],
  });
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const aliases = new WeakMap<Alias, Node>();
  const noDocument: Locator = { file, at: () => ({ file, line: 1, column: 1 }) };

  const tooDeep = deepestToken(tokens, yamlLimits.maxDepth);
  if (tooDeep !== null)
    return {
      file,
      data: undefined,
      locator: noDocument,
      issues: [issueAt(tooDeep, `nesting deeper than ${yamlLimits.maxDepth} levels`)],
    };

  const doc = composeOne(tokens, text.length);
  const locator: Locator = {
    file,
    at: (path, prefer = "key") => locate(doc, aliases, path, prefer, position),
  };
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) => issueAt(error.pos[0], firstLine(error.message)));
    return { file, data: undefined, locator, issues };
  }
  const converted = toPlainData(doc, aliases);
  if (converted.issues.length > 0)
    return {
      file,
      data: undefined,
      locator,
      issues: converted.issues.map((issue) => issueAt(issue.offset, issue.message)),
    };
  return { file, data: converted.data, locator, issues: [] };
}

/** What `parseDocument` does, from tokens already parsed: the first document, later ones an error. */
function composeOne(tokens: CST.Token[], length: number): Document.Parsed {
  const composer = new Composer({ merge: true, uniqueKeys: false, prettyErrors: false });
  let doc: Document.Parsed | null = null;
  for (const next of composer.compose(tokens, true, length)) {
    if (doc === null) doc = next;
    else {
      const at: [number, number] = [next.range[0], next.range[1]];
      doc.errors.push(new YAMLParseError(at, "MULTIPLE_DOCS", "Source contains multiple documents"));
      break;
    }
  }
  return doc!;
}

/**
 * The offset of the first collection nested deeper than `maxDepth` in the token tree, or null. Iterative, so a
 * file of 10,000 `[` costs a loop, not the stack that composing it recursively would take.
 */
function deepestToken(tokens: readonly CST.Token[], maxDepth: number): number | null {
  const stack: { token: CST.Token | undefined; depth: number }[] = tokens.map((token) => ({
    token,
    depth: 0,
  }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (token === undefined) continue;
    if (token.type === "document") {
      stack.push({ token: token.value, depth });
      continue;
    }
    if (token.type !== "block-map" && token.type !== "block-seq" && token.type !== "flow-collection")
      continue;
    if (depth + 1 > maxDepth) return token.offset;
    for (const item of token.items) {
      if ("key" in item) stack.push({ token: item.key ?? undefined, depth: depth + 1 });
      stack.push({ token: item.value, depth: depth + 1 });
    }
  }
  return null;
}

interface Converted {
  value: unknown;
  /** Nodes once aliases are expanded. */
  size: number;
  /** Collection depth once aliases are expanded. */
  depth: number;
}

/**
 * The document as plain data (as the library's `toJS` would give it: aliases share one value, merge keys copy
 * keys that the mapping does not set itself), in one pass. Also records each alias's anchor in `aliases` for
 * the locator. Duplicate keys, unresolved or self-containing aliases and over-expansion are issues.
 */
function toPlainData(
  doc: Document.Parsed,
  aliases: WeakMap<Alias, Node>,
): { data: unknown; issues: { offset: number; message: string }[] } {
  const issues: { offset: number; message: string }[] = [];
  const anchors = new Map<string, Node>();
  const done = new Map<Node, Converted>();
  const inProgress = new Set<Node>();
  let sourceNodes = 0;
  const scalarOf = (value: unknown): Converted => ({ value, size: 1, depth: 0 });

  const convert = (node: unknown): Converted => {
    if (node === null || node === undefined) return scalarOf(null);
    if (isAlias(node)) {
      sourceNodes++;
      const target = anchors.get(node.source);
      if (target === undefined) {
        issues.push({
          offset: node.range?.[0] ?? 0,
          message: `Unresolved alias (the anchor must be set before the alias): ${node.source}`,
        });
        return scalarOf(null);
      }
      aliases.set(node, target);
      if (inProgress.has(target)) {
        issues.push({
          offset: node.range?.[0] ?? 0,
          message: `alias *${node.source} is inside its own anchor`,
        });
        return scalarOf(null);
      }
      return done.get(target) ?? scalarOf(null);
    }
    const yamlNode = node as Node;
    if (yamlNode.anchor) anchors.set(yamlNode.anchor, yamlNode);
    inProgress.add(yamlNode);
    const result = isMap(yamlNode)
      ? convertMap(yamlNode)
      : isSeq(yamlNode)
        ? convertSeq(yamlNode.items)
        : (sourceNodes++, scalarOf(isScalar(yamlNode) ? yamlNode.value : null));
    inProgress.delete(yamlNode);
    if (yamlNode.anchor) done.set(yamlNode, result);
    return result;
  };

  const convertSeq = (items: readonly unknown[]): Converted => {
    sourceNodes++;
    const value: unknown[] = [];
    let size = 1;
    let depth = 0;
    for (const item of items) {
      const converted = convert(item);
      value.push(converted.value);
      size += converted.size;
      depth = Math.max(depth, converted.depth);
    }
    return { value, size, depth: depth + 1 };
  };

  const convertMap = (map: YAMLMap): Converted => {
    sourceNodes++;
    const value: Record<string, unknown> = {};
    const seen = new Set<unknown>();
    let size = 1;
    let depth = 0;
    const merges: { pair: Pair; offset: number }[] = [];
    for (const pair of map.items) {
      const key = pair.key as Node | null;
      if (isMergeKey(key)) {
        merges.push({ pair, offset: key?.range?.[0] ?? 0 });
        continue;
      }
      const convertedKey = convert(key);
      if (convertedKey.value !== null && typeof convertedKey.value === "object") {
        // Such a key would have to be written out as a string: for an alias, at its expanded size.
        issues.push({ offset: key?.range?.[0] ?? 0, message: "a mapping key must be a scalar" });
        continue;
      }
      if (seen.has(convertedKey.value))
        issues.push({ offset: key?.range?.[0] ?? 0, message: "Map keys must be unique" });
      seen.add(convertedKey.value);
      const converted = convert(pair.value);
      setOwn(value, keyString(convertedKey.value), converted.value);
      size += convertedKey.size + converted.size;
      depth = Math.max(depth, converted.depth);
    }
    // Merged keys never override the mapping's own keys, wherever `<<` stands in it; an earlier merge source
    // wins over a later one (YAML merge key semantics).
    for (const { pair, offset } of merges) {
      const sourceNode = isAlias(pair.value) ? anchors.get(pair.value.source) : pair.value;
      const converted = convert(pair.value);
      const sources = isSeq(sourceNode) ? (converted.value as unknown[]) : [converted.value];
      size += converted.size;
      depth = Math.max(depth, converted.depth - (isSeq(sourceNode) ? 2 : 1));
      for (const source of sources) {
        if (source === null || typeof source !== "object" || Array.isArray(source)) {
          issues.push({ offset, message: "Merge sources must be maps or map aliases" });
          continue;
        }
        for (const [name, item] of Object.entries(source))
          if (!Object.hasOwn(value, name)) setOwn(value, name, item);
      }
    }
    return { value, size, depth: depth + 1 };
  };

  const root = convert(doc.contents);
  if (root.size - sourceNodes > yamlLimits.maxAliasExpansion)
    issues.push({
      offset: 0,
      message: `aliases expand the document by more than ${yamlLimits.maxAliasExpansion} nodes`,
    });
  else if (root.depth > yamlLimits.maxDepth)
    issues.push({ offset: 0, message: `aliases nest collections deeper than ${yamlLimits.maxDepth} levels` });
  return { data: root.value, issues };
}

/** `<<` written plainly (not quoted) is a merge key; the library turns it into a symbol. */
function isMergeKey(key: Node | null): boolean {
  if (!isScalar(key)) return false;
  if (typeof key.value === "symbol") return key.value.description === "<<";
  return key.value === "<<" && (key.type === undefined || key.type === "PLAIN");
}

/** Scalar keys as the library's `toJS` names them in a plain object. */
function keyString(key: unknown): string {
  return key === null || key === undefined ? "" : String(key as string | number | boolean);
}

/** Assignment that makes `__proto__` an own key instead of changing the object's prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key in target)
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

/** Pairs of a mapping by key, built on first use, so locating many issues in a large mapping stays linear. */
const pairIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();
function pairOf(map: YAMLMap, segment: PathSegment): Pair | undefined {
  let index = pairIndexes.get(map);
  if (index === undefined) {
    index = new Map();
    for (const item of map.items) {
      if (!isScalar(item.key)) continue;
      const name = String(item.key.value);
      if (!index.has(name)) index.set(name, item);
    }
    pairIndexes.set(map, index);
  }
  return index.get(String(segment));
}

function locate(
  doc: Document,
  aliases: WeakMap<Alias, Node>,
  path: readonly PathSegment[],
  prefer: "key" | "value",
  position: (offset: number) => SourceLocation,
): SourceLocation {
  let node: Node | null = doc.contents as Node | null;
  let key: Node | null = null;
  for (const segment of path) {
    const resolved = isAlias(node) ? (aliases.get(node) ?? null) : node;
    if (isMap(resolved)) {
      const pair = pairOf(resolved, segment);
      if (pair === undefined) break;
      key = pair.key as Node;
      node = (pair.value as Node | null) ?? null;
    } else if (isSeq(resolved) && typeof segment === "number" && resolved.items[segment] !== undefined) {
      key = null;
      node = resolved.items[segment] as Node;
    } else {
      break;
    }
  }
  const target = prefer === "value" && isScalar(node) ? node : (key ?? node);
  const offset = target?.range?.[0];
  return offset === undefined ? { file: position(0).file, line: 1, column: 1 } : position(offset);
}
