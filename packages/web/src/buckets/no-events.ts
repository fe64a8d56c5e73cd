import { affects } from "../live/event-match.ts";

/** Buckets change through S3, which sends no server events: the pages load once (and on reconnect). */
export const noServerEvents = affects.nothing;
