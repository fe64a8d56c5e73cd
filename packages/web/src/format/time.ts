/** Human-readable durations and times for the UI (pure, so node:test covers them). */

/** `0s`, `42s`, `3m 05s`, `2h 07m`, `3d 4h`; negative or non-finite input reads `0s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "0s";
  const totalSeconds = Math.floor(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds}s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  if (totalMinutes < 60) return `${totalMinutes}m ${pad(seconds)}s`;
  const totalHours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  if (totalHours < 24) return `${totalHours}h ${pad(minutes)}m`;
  return `${Math.floor(totalHours / 24)}d ${totalHours % 24}h`;
}

/** Duration from `start` to `end`, or to `now` while it is still running; undefined before it started. */
export function elapsed(start: number | null, end: number | null, now: number): number | undefined {
  if (start === null) return undefined;
  return Math.max(0, (end ?? now) - start);
}

/** `just now`, `5 s ago`, `3 min ago`, `2 h ago`, `4 d ago`; a time in the future (clock skew) reads `just now`. */
export function formatAgo(time: number, now: number): string {
  const seconds = Math.floor((now - time) / 1000);
  if (seconds < 1) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** An absolute time for tooltips and `<time dateTime>`: ISO 8601 in UTC. */
export function isoTime(time: number): string {
  return new Date(time).toISOString();
}

/** A short local date and time, e.g. `2026-03-14 09:26`. */
export function formatDateTime(time: number): string {
  const date = new Date(time);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** First 8 characters of a git SHA; other revisions (dependency locators) unchanged. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40,64}$/.test(revision) ? revision.slice(0, 8) : revision;
}

/** `1.2 kB`, `3.4 MB`: file sizes in the artifacts browser. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}
