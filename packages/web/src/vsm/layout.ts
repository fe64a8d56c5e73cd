/**
 * Layout of a value stream map: one column per level (upstream on the left, the run itself, downstream on the
 * right), nodes ordered inside their column to keep edges from crossing (barycentre sweeps), and edges as
 * cubic Bézier curves from a node's right side to the next node's left side.
 */
import type { VsmDto, VsmNodeDto } from "@fawkes/protocol";

export interface LayoutOptions {
  /** @default 220 */
  nodeWidth: number;
  /** @default 92 */
  nodeHeight: number;
  /** Horizontal space between columns (where edges run). @default 72 */
  columnGap: number;
  /** @default 20 */
  rowGap: number;
  /** @default 16 */
  padding: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
  nodeWidth: 220,
  nodeHeight: 92,
  columnGap: 72,
  rowGap: 20,
  padding: 16,
};

export interface PlacedNode {
  node: VsmNodeDto;
  column: number;
  row: number;
  x: number;
  y: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  /** SVG path data. */
  path: string;
}

export interface VsmLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  /** One entry per column, left to right. */
  columns: { level: number; x: number }[];
  width: number;
  height: number;
  nodeWidth: number;
  nodeHeight: number;
}

const SWEEPS = 4;

export function layoutVsm(vsm: VsmDto, options: Partial<LayoutOptions> = {}): VsmLayout {
  const o = { ...DEFAULT_LAYOUT, ...options };
  const byId = new Map(vsm.nodes.map((node) => [node.id, node]));
  const edges = vsm.edges.filter((edge) => byId.has(edge.from) && byId.has(edge.to) && edge.from !== edge.to);
  const levels = [...new Set(vsm.nodes.map((node) => node.level))].sort((a, b) => a - b);
  const columnOf = new Map(levels.map((level, index) => [level, index]));
  const columns: VsmNodeDto[][] = levels.map((level) =>
    vsm.nodes.filter((node) => node.level === level).sort(initialOrder),
  );

  const neighbours = new Map<string, string[]>();
  for (const { from, to } of edges) {
    neighbours.set(from, [...(neighbours.get(from) ?? []), to]);
    neighbours.set(to, [...(neighbours.get(to) ?? []), from]);
  }
  const rowOf = new Map<string, number>();
  const index = (): void =>
    columns.forEach((column) => column.forEach((node, row) => rowOf.set(node.id, row)));
  index();
  const column = (id: string): number => columnOf.get(byId.get(id)?.level ?? 0) ?? 0;
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    const leftToRight = sweep % 2 === 0;
    const order = leftToRight ? columns.map((_, i) => i) : columns.map((_, i) => columns.length - 1 - i);
    for (const c of order) {
      const current = columns[c] as VsmNodeDto[];
      const key = new Map<string, number>();
      for (const node of current) {
        const fixed = (neighbours.get(node.id) ?? []).filter((id) =>
          leftToRight ? column(id) < c : column(id) > c,
        );
        key.set(
          node.id,
          fixed.length === 0
            ? (rowOf.get(node.id) ?? 0)
            : fixed.reduce((sum, id) => sum + (rowOf.get(id) ?? 0), 0) / fixed.length,
        );
      }
      current.sort((a, b) => (key.get(a.id) ?? 0) - (key.get(b.id) ?? 0) || initialOrder(a, b));
      current.forEach((node, row) => rowOf.set(node.id, row));
    }
  }

  const tallest = Math.max(0, ...columns.map((c) => c.length));
  const pitch = o.nodeHeight + o.rowGap;
  const placed = new Map<string, PlacedNode>();
  const columnX = columns.map((_, c) => o.padding + c * (o.nodeWidth + o.columnGap));
  columns.forEach((nodes, c) => {
    const top = o.padding + ((tallest - nodes.length) * pitch) / 2;
    nodes.forEach((node, row) => {
      placed.set(node.id, { node, column: c, row, x: columnX[c] as number, y: top + row * pitch });
    });
  });

  const placedEdges = edges.map(({ from, to }) => {
    const a = placed.get(from) as PlacedNode;
    const b = placed.get(to) as PlacedNode;
    return { from, to, path: edgePath(a, b, o) };
  });
  return {
    nodes: [...placed.values()],
    edges: placedEdges,
    columns: levels.map((level, c) => ({ level, x: columnX[c] as number })),
    width:
      columns.length === 0
        ? 0
        : o.padding * 2 + columns.length * o.nodeWidth + (columns.length - 1) * o.columnGap,
    height: tallest === 0 ? 0 : o.padding * 2 + tallest * o.nodeHeight + (tallest - 1) * o.rowGap,
    nodeWidth: o.nodeWidth,
    nodeHeight: o.nodeHeight,
  };
}

/** From the middle of `a`'s right side to the middle of `b`'s left side, leaving and arriving horizontally. */
export function edgePath(a: { x: number; y: number }, b: { x: number; y: number }, o: LayoutOptions): string {
  const x1 = a.x + o.nodeWidth;
  const y1 = a.y + o.nodeHeight / 2;
  const x2 = b.x;
  const y2 = b.y + o.nodeHeight / 2;
  const bend = Math.max(o.columnGap / 2, Math.abs(x2 - x1) / 2);
  return `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`;
}

/** Git materials first, then runs by pipeline name and counter; ids break ties so the order is total. */
function initialOrder(a: VsmNodeDto, b: VsmNodeDto): number {
  if (a.kind !== b.kind) return a.kind === "git" ? -1 : 1;
  return (
    a.name.localeCompare(b.name) ||
    (a.counter ?? 0) - (b.counter ?? 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}
