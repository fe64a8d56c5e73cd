/**
 * Parsing the slash-separated run addresses commands take: `PIPELINE/COUNTER[/STAGE[/STAGE_COUNTER]/JOB]`.
 * GoCD names never contain `/`, so splitting is unambiguous.
 */
import { ErrorCode } from "@fawkes/protocol/constants";
import type { JobLocator } from "./client.ts";
import { CliError } from "./errors.ts";

export interface RunLocator {
  pipeline: string;
  /** A pipeline counter, or `latest` (resolved by the command through the status API). */
  counter: number | "latest";
}

export interface StageLocator extends RunLocator {
  stage: string;
}

export type UnresolvedJobLocator = Omit<JobLocator, "counter"> & RunLocator;

function bad(text: string, expected: string): CliError {
  return new CliError(`${JSON.stringify(text)} is not ${expected}`, {
    code: ErrorCode.badRequest,
    hint: `write it as ${expected}, e.g. ${example(expected)}`,
  });
}

function example(expected: string): string {
  return expected
    .replace("PIPELINE", "dummy-application")
    .replace("STAGE_COUNTER", "1")
    .replace("COUNTER", "3")
    .replace("STAGE", "test")
    .replace("JOB", "test")
    .replace(/[[\]]/g, "");
}

function counterOf(part: string, text: string, expected: string): number | "latest" {
  if (part === "latest") return "latest";
  if (!/^[1-9][0-9]*$/.test(part)) throw bad(text, expected);
  return Number(part);
}

function parts(text: string, min: number, max: number, expected: string): string[] {
  const split = text.split("/");
  if (split.length < min || split.length > max || split.some((part) => part === ""))
    throw bad(text, expected);
  return split;
}

export function parseRunLocator(text: string): RunLocator {
  const expected = "PIPELINE/COUNTER";
  const [pipeline, counter] = parts(text, 2, 2, expected) as [string, string];
  return { pipeline, counter: counterOf(counter, text, expected) };
}

/** `PIPELINE/COUNTER` or `PIPELINE/COUNTER/STAGE`. */
export function parseRunOrStageLocator(text: string): RunLocator & { stage: string | undefined } {
  const expected = "PIPELINE/COUNTER[/STAGE]";
  const [pipeline, counter, stage] = parts(text, 2, 3, expected) as [string, string, string | undefined];
  return { pipeline, counter: counterOf(counter, text, expected), stage };
}

export function parseStageLocator(text: string): StageLocator {
  const expected = "PIPELINE/COUNTER/STAGE";
  const [pipeline, counter, stage] = parts(text, 3, 3, expected) as [string, string, string];
  return { pipeline, counter: counterOf(counter, text, expected), stage };
}

/** `PIPELINE/COUNTER/STAGE/JOB` (latest stage run) or `PIPELINE/COUNTER/STAGE/STAGE_COUNTER/JOB`. */
export function parseJobLocator(text: string): UnresolvedJobLocator {
  const expected = "PIPELINE/COUNTER/STAGE[/STAGE_COUNTER]/JOB";
  const split = parts(text, 4, 5, expected);
  const [pipeline, counter, stage] = split as [string, string, string];
  const job = split[split.length - 1] as string;
  const stageCounter = split.length === 5 ? counterOf(split[3] as string, text, expected) : "latest";
  return { pipeline, counter: counterOf(counter, text, expected), stage, stageCounter, job };
}
