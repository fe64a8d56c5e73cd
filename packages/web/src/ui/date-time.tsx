import { formatDateTime } from "../format/time.ts";

/** A moment as text, with its ISO form for machines. */
export function DateTime({ time }: { time: number }) {
  return <time dateTime={new Date(time).toISOString()}>{formatDateTime(time)}</time>;
}
