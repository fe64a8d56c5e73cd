/**
 * The console's scrolling viewport. Only the rows in view (plus overscan) exist in the DOM, at a fixed row
 * height; the log itself stays in a LineIndex. Follows the end of the log while `follow` is on; scrolling
 * away from the end turns it off, scrolling back to the end turns it on again.
 */
import {
  memo,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
  type KeyboardEvent,
} from "react";
import { paletteColor, type AnsiColor } from "./ansi.ts";
import type { LineIndex } from "./line-index.ts";
import { RowCache, type ParsedRow } from "./row-cache.ts";
import { markSpans, matchRanges, type MarkedSpan } from "./search.ts";
import { computeWindow, isAtBottom, scrollTopForRow, scrollTopToReveal } from "./virtual-window.ts";

/** Must match `.fk-console-row` height in console.css. */
export const ROW_HEIGHT = 18;
const OVERSCAN = 12;

export interface LogViewProps {
  lines: LineIndex;
  /** Changes whenever `lines` grew. */
  version: number;
  showTimestamps: boolean;
  follow: boolean;
  onFollowChange(follow: boolean): void;
  /** 0-based index of the line named in the URL fragment. */
  selectedLine: number | null;
  onSelectLine(index: number): void;
  query: string;
  /** 0-based index of the current search match's line. */
  currentMatch: number | null;
  /** Scroll this line into view whenever `seq` changes. */
  reveal: { line: number; seq: number } | null;
  label: string;
}

export function LogView(props: LogViewProps) {
  const { lines, follow, onFollowChange } = props;
  const viewport = useRef<HTMLDivElement>(null);
  const cache = useMemo(() => new RowCache(), []);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportHeight, setViewportHeight] = useState(480);
  const rowCount = lines.lineCount;
  const geometry = { viewportHeight, rowHeight: ROW_HEIGHT, rowCount };
  const visible = computeWindow({ ...geometry, scrollTop, overscan: OVERSCAN });

  useLayoutEffect(() => {
    const element = viewport.current;
    if (!element) return;
    setViewportHeight(element.clientHeight);
    const observer = new ResizeObserver(() => setViewportHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // Follow: pin to the end after every append (set the state too, so the rows match before paint).
  useLayoutEffect(() => {
    const element = viewport.current;
    if (!follow || !element) return;
    element.scrollTop = element.scrollHeight;
    setScrollTop(element.scrollTop);
  }, [follow, props.version, viewportHeight]);

  const reveal = props.reveal;
  useLayoutEffect(() => {
    const element = viewport.current;
    if (!reveal || !element) return;
    element.scrollTop = scrollTopToReveal(
      { ...geometry, scrollTop: element.scrollTop, overscan: 0 },
      Math.min(reveal.line, Math.max(0, rowCount - 1)),
    );
    setScrollTop(element.scrollTop);
    // Only a new request moves the view; geometry changes alone must not.
  }, [reveal?.seq]);

  const onScroll = (): void => {
    const element = viewport.current;
    if (!element) return;
    setScrollTop(element.scrollTop);
    const atBottom = isAtBottom({ ...geometry, scrollTop: element.scrollTop });
    if (atBottom !== follow) onFollowChange(atBottom);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const element = viewport.current;
    if (!element || event.altKey || event.ctrlKey || event.metaKey) return;
    const page = Math.max(1, Math.floor(viewportHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: page,
      PageUp: -page,
      Home: -Infinity,
      End: Infinity,
    };
    const move = moves[event.key];
    if (move === undefined) return;
    event.preventDefault();
    const target = Math.max(0, Math.min(rowCount, visible.firstVisible + move));
    element.scrollTop = move === Infinity ? element.scrollHeight : scrollTopForRow(geometry, target);
  };

  // Rows are keyed by slot (line index modulo a pool at least as large as any window), not by line: a window
  // of consecutive lines always uses the same keys, so a jump rewrites the text of the same DOM rows instead
  // of removing and creating them all.
  const slots = Math.ceil(viewportHeight / ROW_HEIGHT) + 2 * OVERSCAN + 2;
  const rows = [];
  for (let index = visible.first; index < visible.last; index++) {
    const row = cache.get(lines, index);
    rows.push(
      <LogRow
        key={index % slots}
        index={index}
        row={row}
        showTimestamps={props.showTimestamps}
        selected={props.selectedLine === index}
        current={props.currentMatch === index}
        query={props.query}
        onSelect={props.onSelectLine}
      />,
    );
  }
  const digits = String(Math.max(1, rowCount)).length;
  return (
    <div
      ref={viewport}
      className="fk-console-viewport"
      tabIndex={0}
      role="region"
      aria-label={props.label}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
      style={{ "--fk-console-ln-width": `${digits + 1}ch` } as CSSProperties}
    >
      <div className="fk-console-content" style={{ height: visible.contentHeight }}>
        <div className="fk-console-rows" style={{ transform: `translateY(${visible.offsetTop}px)` }}>
          {rows}
        </div>
      </div>
    </div>
  );
}

interface LogRowProps {
  index: number;
  row: ParsedRow;
  showTimestamps: boolean;
  selected: boolean;
  current: boolean;
  query: string;
  onSelect(index: number): void;
}

const LogRow = memo(function LogRow({
  index,
  row,
  showTimestamps,
  selected,
  current,
  query,
  onSelect,
}: LogRowProps) {
  const number = index + 1;
  const spans: MarkedSpan[] = query === "" ? row.spans : markSpans(row.spans, matchRanges(row.plain, query));
  const className =
    "fk-console-row" +
    (selected ? " fk-console-row-selected" : "") +
    (current ? " fk-console-row-current" : "");
  return (
    <div className={className} data-line={number}>
      <a
        className="fk-console-ln"
        href={`#L${number}`}
        tabIndex={-1}
        aria-label={`Line ${number}`}
        onClick={(event) => {
          event.preventDefault();
          onSelect(index);
        }}
      >
        {number}
      </a>
      {showTimestamps && <span className="fk-console-ts">{row.time ?? ""}</span>}
      <span className="fk-console-text">
        {spans.map((span, i) =>
          span.mark ? (
            <mark key={i} className="fk-console-match">
              {span.text}
            </mark>
          ) : (
            <span key={i} style={spanStyle(span)}>
              {span.text}
            </span>
          ),
        )}
        {row.truncated > 0 && (
          <span className="fk-console-truncated"> … {row.truncated} more characters</span>
        )}
      </span>
    </div>
  );
});

const colorCss = (color: AnsiColor): string =>
  typeof color === "string" ? color : color < 16 ? `var(--fk-ansi-${color})` : paletteColor(color);

function spanStyle(span: MarkedSpan): CSSProperties | undefined {
  if (
    span.fg === undefined &&
    span.bg === undefined &&
    !span.bold &&
    !span.dim &&
    !span.italic &&
    !span.underline &&
    !span.inverse &&
    !span.strike
  ) {
    return undefined;
  }
  let fg = span.fg === undefined ? undefined : colorCss(span.fg);
  let bg = span.bg === undefined ? undefined : colorCss(span.bg);
  if (span.inverse) [fg, bg] = [bg ?? "var(--fk-console-bg)", fg ?? "var(--fk-console-fg)"];
  const decoration = [span.underline && "underline", span.strike && "line-through"].filter(Boolean).join(" ");
  return {
    color: fg,
    backgroundColor: bg,
    fontWeight: span.bold ? 700 : undefined,
    opacity: span.dim ? 0.7 : undefined,
    fontStyle: span.italic ? "italic" : undefined,
    textDecoration: decoration === "" ? undefined : decoration,
  };
}
