/** Parsing one YAML file while keeping positions, so every issue can say `file:line:column`. */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { Document, Node } from "yaml";
import type { ConfigIssue, SourceLocation } from "./model.ts";

export type PathSegment = string | number;

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
  const doc = parseDocument(text, { lineCounter, merge: true, uniqueKeys: true, prettyErrors: false });
  const position = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const locator: Locator = { file, at: (path, prefer = "key") => locate(doc, path, prefer, position) };
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) => ({
      ...position(error.pos[0]),
      message: `invalid YAML: ${firstLine(error.message)}`,
      pipelines: [],
    }));
    return { file, data: undefined, locator, issues };
  }
  try {
    return { file, data: doc.toJS({ maxAliasCount: 1000 }), locator, issues: [] };
  } catch (error) {
    // toJS throws on alias bombs and on aliases to undefined anchors.
    const message = error instanceof Error ? error.message : String(error);
    return {
      file,
      data: undefined,
      locator,
      issues: [{ ...position(0), message: `invalid YAML: ${message}`, pipelines: [] }],
    };
  }
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

function locate(
  doc: Document,
  path: readonly PathSegment[],
  prefer: "key" | "value",
  position: (offset: number) => SourceLocation,
): SourceLocation {
  let node: Node | null = doc.contents as Node | null;
  let key: Node | null = null;
  for (const segment of path) {
    const resolved = resolveAlias(doc, node);
    if (isMap(resolved)) {
      const pair = resolved.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
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

function resolveAlias(doc: Document, node: Node | null): Node | null {
  let current = node;
  for (let depth = 0; depth < 100 && isAlias(current); depth++)
    current = (current.resolve(doc) as Node | undefined) ?? null;
  return current;
}
