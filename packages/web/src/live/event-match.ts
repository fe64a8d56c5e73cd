/** Which server events concern which data on screen (pure). */
import type { ServerEvent } from "@fawkes/protocol";

/** The parsed `data` of one message, or undefined when it is not a ServerEvent (ignored, never thrown). */
export function parseServerEvent(data: string): ServerEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const event = value as Record<string, unknown>;
  switch (event.type) {
    case "run":
      return typeof event.pipeline === "string" && typeof event.counter === "number"
        ? { type: "run", pipeline: event.pipeline, counter: event.counter }
        : undefined;
    case "pipeline":
      return typeof event.pipeline === "string" ? { type: "pipeline", pipeline: event.pipeline } : undefined;
    case "agent":
      return typeof event.agent === "string" ? { type: "agent", agent: event.agent } : undefined;
    case "config":
      return { type: "config" };
    case "stack":
      return typeof event.stack === "string" ? { type: "stack", stack: event.stack } : undefined;
    default:
      return undefined;
  }
}

/** The pipeline an event is about, if any. */
export function eventPipeline(event: ServerEvent): string | undefined {
  return event.type === "run" || event.type === "pipeline" ? event.pipeline : undefined;
}

export const affects = {
  /** Anything about this pipeline: its runs, pause state; a config reload may change its stages. */
  pipeline: (name: string) => (event: ServerEvent) =>
    eventPipeline(event) === name || event.type === "config",
  /** One run (a pipeline event may be an approval or a cancel that touches it too). */
  run: (name: string, counter: number) => (event: ServerEvent) =>
    (event.type === "run" && event.pipeline === name && event.counter === counter) ||
    (event.type === "pipeline" && event.pipeline === name),
  agents: (event: ServerEvent) => event.type === "agent",
  config: (event: ServerEvent) => event.type === "config",
  /** Any stack's change (the Stacks list). */
  stacks: (event: ServerEvent) => event.type === "stack",
  /** One stack's status, resources or events. */
  stack: (name: string) => (event: ServerEvent) => event.type === "stack" && event.stack === name,
  /**
   * Nothing the event stream says: IAM and users change through other ways too (the IAM API), which send no
   * server events, so these pages load once, after their own changes and on reconnect.
   */
  nothing: (_event: ServerEvent) => false,
};
