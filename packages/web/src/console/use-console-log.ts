/**
 * Keeps a job's console log in a LineIndex while following it live. Renders are batched to one per animation
 * frame however many chunks arrive, so a fast log (or a 50 MB one loading) never floods React.
 */
import { useEffect, useRef, useState } from "react";
import { LineIndex } from "./line-index.ts";
import { ConsoleFeed, followConsole, type FollowStatus } from "./log-stream.ts";

export interface ConsoleLog {
  lines: LineIndex;
  /** Changes when lines were added. */
  version: number;
  status: FollowStatus;
}

export function useConsoleLog(
  url: string,
  checkCompleted: () => Promise<boolean>,
  onChange: { current: (() => void) | null },
): ConsoleLog {
  const [lines, setLines] = useState(() => new LineIndex());
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState<FollowStatus>({ kind: "connecting" });
  const completed = useRef(checkCompleted);
  useEffect(() => {
    completed.current = checkCompleted;
  });

  useEffect(() => {
    const index = new LineIndex();
    setLines(index);
    setVersion(0);
    const abort = new AbortController();
    let frame: number | null = null;
    const flush = (): void => {
      frame = null;
      setVersion(index.version);
    };
    let wake: (() => void) | null = null;
    onChange.current = () => wake?.();
    void followConsole({
      url,
      feed: new ConsoleFeed(index, { timestamps: true }),
      signal: abort.signal,
      jobCompleted: () => completed.current(),
      onData: () => {
        frame ??= requestAnimationFrame(flush);
      },
      onStatus: setStatus,
      pause: (ms, signal) =>
        new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            wake = null;
            signal.removeEventListener("abort", done);
            resolve();
          };
          const timer = setTimeout(done, ms);
          wake = done;
          signal.addEventListener("abort", done, { once: true });
        }),
    });
    return () => {
      abort.abort();
      onChange.current = null;
      if (frame !== null) cancelAnimationFrame(frame);
    };
  }, [url, onChange]);

  return { lines, version, status };
}
