/**
 * Which rows of a fixed-row-height list to render for a scroll position. Browsers cap an element's height
 * (about 16.7 M px in Firefox, 33.5 M px in Chromium), so past `maxContentHeight` the scrollable height is
 * capped and scroll positions map proportionally onto rows: every row stays reachable, rows still move
 * pixel by pixel under small scrolls.
 */
export interface WindowInput {
  scrollTop: number;
  viewportHeight: number;
  rowHeight: number;
  rowCount: number;
  /** Extra rows rendered above and below the visible ones. */
  overscan: number;
  /** @default 15_000_000 */
  maxContentHeight?: number;
}

export interface VirtualWindow {
  /** First row to render (inclusive). */
  first: number;
  /** Row after the last one to render (exclusive). */
  last: number;
  /** Top of row `first`, in content coordinates (set as the rendered rows' offset). */
  offsetTop: number;
  /** Height of the scrollable content. */
  contentHeight: number;
  /** First row at least partly visible. */
  firstVisible: number;
}

export const DEFAULT_MAX_CONTENT_HEIGHT = 15_000_000;

export function contentHeightOf(rowCount: number, rowHeight: number, maxContentHeight?: number): number {
  return Math.min(rowCount * rowHeight, maxContentHeight ?? DEFAULT_MAX_CONTENT_HEIGHT);
}

/** Ratio of virtual (uncapped) scroll distance to real scroll distance; 1 when not capped. */
function scale(input: Omit<WindowInput, "scrollTop" | "overscan">): number {
  const full = input.rowCount * input.rowHeight;
  const content = contentHeightOf(input.rowCount, input.rowHeight, input.maxContentHeight);
  if (full <= content) return 1;
  const realRange = content - input.viewportHeight;
  return realRange > 0 ? (full - input.viewportHeight) / realRange : 1;
}

export function computeWindow(input: WindowInput): VirtualWindow {
  const { rowHeight, rowCount, viewportHeight, overscan } = input;
  const contentHeight = contentHeightOf(rowCount, rowHeight, input.maxContentHeight);
  const maxScroll = Math.max(0, contentHeight - viewportHeight);
  const scrollTop = Math.min(Math.max(0, input.scrollTop), maxScroll);
  const virtualTop = scrollTop * scale(input);
  const firstVisible = Math.min(Math.max(0, rowCount - 1), Math.floor(virtualTop / rowHeight));
  const lastVisible = Math.min(rowCount, Math.ceil((virtualTop + viewportHeight) / rowHeight));
  const first = Math.max(0, firstVisible - overscan);
  const last = Math.min(rowCount, lastVisible + overscan);
  // Rows sit where they would in the uncapped list, shifted so that the visible part lines up with scrollTop.
  const offsetTop = scrollTop - (virtualTop - first * rowHeight);
  return { first, last: Math.max(first, last), offsetTop, contentHeight, firstVisible };
}

/** The scrollTop that shows `row` at the top of the viewport (clamped to the scrollable range). */
export function scrollTopForRow(input: Omit<WindowInput, "scrollTop" | "overscan">, row: number): number {
  const contentHeight = contentHeightOf(input.rowCount, input.rowHeight, input.maxContentHeight);
  const maxScroll = Math.max(0, contentHeight - input.viewportHeight);
  const top = (row * input.rowHeight) / scale(input);
  return Math.min(Math.max(0, top), maxScroll);
}

/** The scrollTop that brings `row` into view with the least movement (unchanged when it is visible). */
export function scrollTopToReveal(input: WindowInput, row: number): number {
  const window = computeWindow({ ...input, overscan: 0 });
  const rowTop = window.offsetTop + (row - window.first) * input.rowHeight;
  const rowBottom = rowTop + input.rowHeight;
  if (
    row >= window.first &&
    rowTop >= input.scrollTop &&
    rowBottom <= input.scrollTop + input.viewportHeight
  ) {
    return input.scrollTop;
  }
  // Centre it: the row's top sits (viewport - row) / 2 below the viewport's top, in virtual pixels.
  const centeredVirtual = row * input.rowHeight - (input.viewportHeight - input.rowHeight) / 2;
  const contentHeight = contentHeightOf(input.rowCount, input.rowHeight, input.maxContentHeight);
  return Math.min(
    Math.max(0, centeredVirtual / scale(input)),
    Math.max(0, contentHeight - input.viewportHeight),
  );
}

/** Whether the viewport shows the end of the content (within one row), i.e. auto-follow should continue. */
export function isAtBottom(input: Omit<WindowInput, "overscan">): boolean {
  const contentHeight = contentHeightOf(input.rowCount, input.rowHeight, input.maxContentHeight);
  return input.scrollTop + input.viewportHeight >= contentHeight - input.rowHeight / 2;
}
