/**
 * Where a job's files live: `<root>/<pipeline>/<counter>/<stage>/<stageCounter>/<job>`, shared by artifacts
 * and console logs. Locator segments come from the network, so each is checked to be one plain path segment.
 */
import { join } from "node:path";
import { ErrorCode, FawkesError, type JobLocator } from "@fawkes/protocol";

export function jobDirectory(root: string, locator: JobLocator): string {
  return join(
    root,
    nameSegment(locator.pipeline),
    counterSegment(locator.counter),
    nameSegment(locator.stage),
    counterSegment(locator.stageCounter),
    nameSegment(locator.job),
  );
}

/** A stable string per job, for maps keyed by job. */
export function jobKey(locator: JobLocator): string {
  return [locator.pipeline, locator.counter, locator.stage, locator.stageCounter, locator.job].join("/");
}

function nameSegment(name: string): string {
  if (name === "" || name === "." || name === ".." || /[/\\\0]/.test(name)) {
    throw new FawkesError(ErrorCode.pathEscape, `invalid name in job locator: ${JSON.stringify(name)}`);
  }
  return name;
}

function counterSegment(counter: number): string {
  if (!Number.isSafeInteger(counter) || counter < 1) {
    throw new FawkesError(ErrorCode.pathEscape, `invalid counter in job locator: ${counter}`);
  }
  return String(counter);
}
