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
  /** Epoch ms when the first byte of a console batch was produced; every line in it gets that time. */
  consoleTime: "x-fawkes-console-time",
} as const;
