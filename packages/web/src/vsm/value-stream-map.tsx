/**
 * Value stream map of a run: its git materials and every upstream and downstream run, as columns of nodes
 * joined by curves. Re-fetched when a run of any pipeline on the map changes (and, less eagerly, when any
 * other run changes, since that may be a new downstream run).
 */
import { useCallback, useEffect, useMemo, useRef, useState, type MouseEvent } from "react";
import { ApiRoutes, apiPath, type VsmDto, type VsmNodeDto } from "@fawkes/protocol";
import { fetchJson, HttpError, useRunEvents } from "../console/use-run-events.ts";
import { layoutVsm, type PlacedNode } from "./layout.ts";
import "./vsm.css";

export interface ValueStreamMapProps {
  pipeline: string;
  counter: number;
}

const ON_MAP_DELAY_MS = 100;
const OFF_MAP_DELAY_MS = 1000;

export function ValueStreamMap({ pipeline, counter }: ValueStreamMapProps) {
  const url = apiPath(ApiRoutes.vsm, { name: pipeline, counter });
  const [state, setState] = useState<{ vsm?: VsmDto; error?: string }>({});
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const dueAt = useRef(Infinity);

  const load = useCallback(async () => {
    try {
      const vsm = await fetchJson<VsmDto>(url);
      setState({ vsm });
    } catch (error) {
      const message =
        error instanceof HttpError && error.status === 404
          ? `Run ${pipeline}/${counter} was not found.`
          : `Could not load the value stream map: ${error instanceof Error ? error.message : String(error)}`;
      setState((previous) => ({ ...previous, error: message }));
    }
  }, [url, pipeline, counter]);

  useEffect(() => {
    setState({});
    void load();
    return () => {
      if (timer.current !== null) clearTimeout(timer.current);
      timer.current = null;
      dueAt.current = Infinity;
    };
  }, [load]);

  const onMap = useMemo(() => new Set(state.vsm?.nodes.map((node) => node.pipeline)), [state.vsm]);
  // Coalesce bursts of events into one fetch; an earlier deadline replaces a later one.
  const schedule = (delay: number): void => {
    const at = Date.now() + delay;
    if (at >= dueAt.current) return;
    if (timer.current !== null) clearTimeout(timer.current);
    dueAt.current = at;
    timer.current = setTimeout(() => {
      timer.current = null;
      dueAt.current = Infinity;
      void load();
    }, delay);
  };
  useRunEvents((event) =>
    schedule(event === null || onMap.has(event.pipeline) ? ON_MAP_DELAY_MS : OFF_MAP_DELAY_MS),
  );

  const layout = useMemo(() => (state.vsm ? layoutVsm(state.vsm) : undefined), [state.vsm]);
  if (!layout) {
    return (
      <div className="fk-vsm-message" role="status">
        {state.error ?? "Loading the value stream map…"}
      </div>
    );
  }
  const levelName = (level: number): string =>
    level === 0 ? "This run" : level < 0 ? `Upstream ${-level}` : `Downstream ${level}`;
  return (
    <section className="fk-vsm" aria-label={`Value stream map of ${pipeline} run ${counter}`}>
      {state.error && (
        <p className="fk-vsm-stale" role="status">
          {state.error} Showing the last map loaded.
        </p>
      )}
      <div className="fk-vsm-scroll">
        <div className="fk-vsm-canvas" style={{ width: layout.width, height: layout.height + 24 }}>
          {layout.columns.map((column) => (
            <div
              key={column.level}
              className="fk-vsm-column-title"
              style={{ left: column.x, width: layout.nodeWidth }}
            >
              {levelName(column.level)}
            </div>
          ))}
          <svg className="fk-vsm-edges" width={layout.width} height={layout.height} aria-hidden="true">
            <defs>
              <marker
                id="fk-vsm-arrow"
                viewBox="0 0 8 8"
                refX="8"
                refY="4"
                markerWidth="8"
                markerHeight="8"
                orient="auto"
              >
                <path d="M 0 0 L 8 4 L 0 8 z" />
              </marker>
            </defs>
            {layout.edges.map((edge) => (
              <path key={`${edge.from}→${edge.to}`} d={edge.path} markerEnd="url(#fk-vsm-arrow)" />
            ))}
          </svg>
          {layout.nodes.map((placed) => (
            <VsmNode
              key={placed.node.id}
              placed={placed}
              width={layout.nodeWidth}
              height={layout.nodeHeight}
            />
          ))}
        </div>
      </div>
    </section>
  );
}

const STATUS_MARK: Record<string, string> = { passed: "✓", failed: "✕", building: "●", cancelled: "⊘" };

function VsmNode({ placed, width, height }: { placed: PlacedNode; width: number; height: number }) {
  const { node } = placed;
  const style = { left: placed.x, top: placed.y + 24, width, height };
  if (node.kind === "git") {
    return (
      <div className="fk-vsm-node fk-vsm-git" style={style} title={`${node.name} at ${node.detail}`}>
        <div className="fk-vsm-kind">Git material</div>
        <div className="fk-vsm-name">
          <span className="fk-vsm-name-text">{node.name}</span>
        </div>
        <code className="fk-vsm-revision">{shortRevision(node.detail)}</code>
      </div>
    );
  }
  const href = runHref(node);
  const result = node.result ?? "building";
  return (
    <a
      className={`fk-vsm-node fk-vsm-run fk-vsm-result-${result}${node.level === 0 ? " fk-vsm-current" : ""}`}
      style={style}
      href={href}
      onClick={(event) => followLink(event, href)}
      aria-current={node.level === 0 ? "page" : undefined}
    >
      {/* A long name gives way (ellipsis, full name in the tooltip); the status never does. */}
      <div className="fk-vsm-name">
        <span className="fk-vsm-name-text" title={node.pipeline ?? node.name}>
          {node.pipeline ?? node.name}
        </span>
        <span className="fk-vsm-result">
          {STATUS_MARK[result]} {result}
        </span>
      </div>
      <div className="fk-vsm-label">
        Run {node.counter} · label {node.detail}
      </div>
      <ol className="fk-vsm-stages" aria-label="Stages">
        {node.stages.map((stage) => (
          <li
            key={stage.name}
            className={`fk-vsm-stage fk-vsm-result-${stage.result}`}
            title={`${stage.name}: ${stage.result}`}
          >
            <span aria-hidden="true">{STATUS_MARK[stage.result]} </span>
            {stage.name}
            <span className="fk-vsm-sr">: {stage.result}</span>
          </li>
        ))}
        {node.stages.length === 0 && <li className="fk-vsm-stage fk-vsm-stage-none">no stage has run</li>}
      </ol>
    </a>
  );
}

/** A 40-hex git SHA shown as its first 8 characters; anything else as it is. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40,64}$/i.test(revision) ? revision.slice(0, 8) : revision;
}

function runHref(node: VsmNodeDto): string {
  return `/pipelines/${encodeURIComponent(node.pipeline ?? node.name)}/${node.counter ?? ""}`;
}

/** Client-side navigation: push the URL and announce it the way the back button would (popstate). */
function followLink(event: MouseEvent<HTMLAnchorElement>, href: string): void {
  if (
    event.defaultPrevented ||
    event.button !== 0 ||
    event.metaKey ||
    event.ctrlKey ||
    event.shiftKey ||
    event.altKey
  )
    return;
  event.preventDefault();
  history.pushState(null, "", href);
  window.dispatchEvent(new PopStateEvent("popstate"));
  window.scrollTo(0, 0);
}
