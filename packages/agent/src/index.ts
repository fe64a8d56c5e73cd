/**
 * `fawkes agent`: registers with a server, long-polls for work, runs one job at a time and reports over
 * the /agent/v1 protocol (see @fawkes/protocol agent-wire.ts). The CLI parses flags and calls startAgent.
 */
export { startAgent } from "./agent.ts";
export type { RunningAgent } from "./agent.ts";
export type { AgentOptions, AgentLog, LogLevel } from "./options.ts";
