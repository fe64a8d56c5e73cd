/**
 * A job's console log, live: follows new output while the job runs, with ANSI colours, a timestamp column,
 * linkable line numbers (`#L123`), search and a raw download. Handles logs of tens of megabytes: the text
 * lives in a LineIndex and only the visible rows are rendered.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiRoutes, apiPath } from "@fawkes/protocol";
import "./console.css";
import { LogView } from "./log-view.tsx";
import type { FollowStatus } from "./log-stream.ts";
import { SearchBar, useLogSearch } from "./search-bar.tsx";
import { useConsoleLog } from "./use-console-log.ts";
import { useJobRun } from "./use-job-run.ts";

export interface JobConsoleProps {
  pipeline: string;
  counter: number;
  stage: string;
  stageCounter: number | "latest";
  job: string;
}

const LINE_FRAGMENT = /^#L([1-9][0-9]*)$/;

function lineFromHash(): number | null {
  const match = LINE_FRAGMENT.exec(location.hash);
  return match ? Number(match[1]) - 1 : null;
}

export function JobConsole(props: JobConsoleProps) {
  const { pipeline, counter, stage, stageCounter, job } = props;
  const url = apiPath(ApiRoutes.console, { name: pipeline, counter, stage, stageCounter, job });
  const run = useJobRun(props);
  const log = useConsoleLog(url, run.checkCompleted, run.onChange);
  const [follow, setFollow] = useState(true);
  const [showTimestamps, setShowTimestamps] = useState(true);
  const [selectedLine, setSelectedLine] = useState<number | null>(() => lineFromHash());
  const [reveal, setReveal] = useState<{ line: number; seq: number } | null>(null);
  const revealSeq = useRef(0);
  const pendingAnchor = useRef<number | null>(selectedLine);

  const revealLine = useCallback((line: number) => {
    setFollow(false);
    setReveal({ line, seq: ++revealSeq.current });
  }, []);

  // A `#L123` fragment (on load or changed later) scrolls to that line as soon as it has arrived.
  useEffect(() => {
    const onHash = (): void => {
      const line = lineFromHash();
      setSelectedLine(line);
      pendingAnchor.current = line;
    };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  const done = log.status.kind === "done";
  useEffect(() => {
    const line = pendingAnchor.current;
    if (line === null) return;
    if (line < log.lines.lineCount || done) {
      pendingAnchor.current = null;
      revealLine(Math.min(line, Math.max(0, log.lines.lineCount - 1)));
    } else setFollow(false);
  }, [log.version, log.lines, done, selectedLine, revealLine]);

  const selectLine = useCallback((index: number) => {
    history.replaceState(history.state, "", `${location.pathname}${location.search}#L${index + 1}`);
    setSelectedLine(index);
  }, []);

  const search = useLogSearch(log.lines, revealLine);
  const rawUrl = `${url}?timestamps=false`;
  const fileName = `${pipeline}-${counter}-${stage}-${run.stageCounter ?? stageCounter}-${job}.log`;

  return (
    <section className="fk-console" aria-label={`Console of job ${job}`}>
      <div className="fk-console-toolbar">
        <StatusText status={log.status} jobState={run.job?.state} result={run.job?.result} />
        <span className="fk-console-count">{log.lines.lineCount.toLocaleString("en")} lines</span>
        <SearchBar search={search} />
        <label className="fk-console-toggle">
          <input
            type="checkbox"
            checked={showTimestamps}
            onChange={(event) => setShowTimestamps(event.target.checked)}
          />
          Timestamps
        </label>
        <button
          type="button"
          className="fk-console-button"
          aria-pressed={follow}
          disabled={follow}
          onClick={() => setFollow(true)}
        >
          {follow ? "Following" : "Follow"}
        </button>
        <a className="fk-console-button" href={rawUrl} download={fileName}>
          Download raw
        </a>
      </div>
      <LogView
        lines={log.lines}
        version={log.version}
        showTimestamps={showTimestamps}
        follow={follow}
        onFollowChange={setFollow}
        selectedLine={selectedLine}
        onSelectLine={selectLine}
        query={search.activeQuery}
        currentMatch={search.currentLine}
        reveal={reveal}
        label={`Console log of ${pipeline}/${counter}/${stage}/${job}`}
      />
    </section>
  );
}

function StatusText(props: { status: FollowStatus; jobState?: string; result?: string }) {
  const { status } = props;
  const job =
    props.jobState === undefined
      ? ""
      : props.jobState === "completed"
        ? `Job ${props.result ?? "completed"}`
        : `Job ${props.jobState}`;
  const stream =
    status.kind === "streaming"
      ? "live"
      : status.kind === "connecting"
        ? "connecting…"
        : status.kind === "waiting"
          ? `waiting: ${status.reason}`
          : status.kind === "retrying"
            ? `reconnecting in ${Math.ceil(status.inMs / 1000)} s (${status.reason})`
            : "complete";
  return (
    <span className={`fk-console-status fk-console-status-${status.kind}`} role="status">
      {job}
      {job && " · "}
      Log {stream}
    </span>
  );
}
