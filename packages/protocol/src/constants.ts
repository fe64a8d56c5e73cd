/**
 * The protocol's plain values (states, error codes, agent protocol version and headers) without the zod
 * schemas: `@fawkes/protocol/constants` keeps processes that need only these (the agent) from loading zod.
 */
export * from "./states.ts";
export * from "./errors.ts";

/** Bumped on any incompatible change; the server rejects other versions at registration. */
export const AGENT_PROTOCOL_VERSION = 1;

/** Header names of the agent protocol. */
export const AgentHeader = {
  lease: "x-fawkes-lease",
  sha256: "x-fawkes-sha256",
  /**
   * Epoch ms (server clock) when the first byte of a console batch was read from the task; without
   * `consoleLineTimes`, every line in the batch gets that time (an agent before line times).
   */
  consoleTime: "x-fawkes-console-time",
  /**
   * When each line of a console batch was read from the task, on the server's clock (the agent's clock plus
   * the offset it estimates from `serverTime`): `offset:epochMs` pairs, comma-separated, offsets in bytes of
   * the body, increasing; a line gets the time of the last pair at or before its first byte. Optional: a
   * server ignores pairs it cannot parse, and an older server ignores the header.
   */
  consoleLineTimes: "x-fawkes-console-line-times",
  /** On every answer under /agent/v1: the server's clock (epoch ms), from which agents estimate their skew. */
  serverTime: "x-fawkes-server-time",
} as const;
