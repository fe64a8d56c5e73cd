/**
 * Find in the console log: type to search (case-insensitive), Enter / Shift+Enter or the arrows for the
 * next / previous matching line. The scan runs in short slices so the page stays responsive on huge logs.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { LineIndex } from "./line-index.ts";
import { searchableText } from "./row-cache.ts";
import { LineSearch } from "./search.ts";

const SLICE_MS = 8;
const LINES_PER_CHECK = 2000;
const TYPE_DELAY_MS = 200;

export interface LogSearch {
  query: string;
  setQuery(query: string): void;
  /** The query the highlights and matches are for. */
  activeQuery: string;
  currentLine: number | null;
  state: "idle" | "searching" | "found" | "none";
  find(direction: 1 | -1): void;
}

export function useLogSearch(lines: LineIndex, revealLine: (line: number) => void): LogSearch {
  const [query, setQuery] = useState("");
  const [activeQuery, setActiveQuery] = useState("");
  const [currentLine, setCurrentLine] = useState<number | null>(null);
  const [state, setState] = useState<LogSearch["state"]>("idle");
  const run = useRef(0);
  const current = useRef<number | null>(null);

  const find = useCallback(
    (direction: 1 | -1, text: string = query) => {
      const id = ++run.current;
      setActiveQuery(text);
      if (text === "") {
        current.current = null;
        setCurrentLine(null);
        setState("idle");
        return;
      }
      const from = current.current;
      const start = from === null ? (direction === 1 ? 0 : lines.lineCount - 1) : from + direction;
      const search = new LineSearch({
        textOf: (line) => searchableText(lines.line(line)),
        count: lines.lineCount,
        query: text,
        start,
        direction,
      });
      setState("searching");
      const slice = (): void => {
        if (id !== run.current) return;
        const began = performance.now();
        for (;;) {
          const step = search.step(LINES_PER_CHECK);
          if (step.done) {
            current.current = step.line;
            setCurrentLine(step.line);
            setState(step.line === null ? "none" : "found");
            if (step.line !== null) revealLine(step.line);
            return;
          }
          if (performance.now() - began > SLICE_MS) break;
        }
        setTimeout(slice, 0);
      };
      slice();
    },
    [lines, query, revealLine],
  );

  // Search as you type (from the top), once typing pauses.
  useEffect(() => {
    current.current = null;
    const timer = setTimeout(() => find(1, query), TYPE_DELAY_MS);
    return () => clearTimeout(timer);
    // Only a new query starts a search; `find` itself changes on every render that changes `lines`.
  }, [query]);

  return { query, setQuery, activeQuery, currentLine, state, find };
}

export function SearchBar({ search }: { search: LogSearch }) {
  const label =
    search.state === "searching"
      ? "Searching…"
      : search.state === "none"
        ? "No match"
        : search.state === "found" && search.currentLine !== null
          ? `Line ${(search.currentLine + 1).toLocaleString("en")}`
          : "";
  return (
    <form
      className="fk-console-search"
      role="search"
      onSubmit={(event) => {
        event.preventDefault();
        search.find(1);
      }}
    >
      <input
        type="search"
        placeholder="Search log"
        aria-label="Search the log"
        value={search.query}
        onChange={(event) => search.setQuery(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter" && event.shiftKey) {
            event.preventDefault();
            search.find(-1);
          }
        }}
      />
      <button
        type="button"
        className="fk-console-button"
        aria-label="Previous match"
        onClick={() => search.find(-1)}
      >
        ↑
      </button>
      <button
        type="button"
        className="fk-console-button"
        aria-label="Next match"
        onClick={() => search.find(1)}
      >
        ↓
      </button>
      <span className="fk-console-search-state" aria-live="polite">
        {label}
      </span>
    </form>
  );
}
