/**
 * Live progress of one pipeline run: one line per stage with its jobs' states. On a terminal the block is redrawn
 * in place (ANSI cursor movement); otherwise only lines that changed are appended, so logs of CI runs stay readable.
 */
import type { JobRunDto, PipelineRunDto } from "@fawkes/protocol";
import type { CliIo } from "./io.ts";

function jobText(job: JobRunDto): string {
  if (job.state !== "completed") {
    const waiting = job.state === "scheduled" && job.waitingReason ? ` (${job.waitingReason})` : "";
    return `${job.name}:${job.state}${waiting}`;
  }
  return `${job.name}:${job.result}`;
}

/** Lines for a run; `stageNames` (from config) lists stages not reached yet as `pending`. */
export function progressLines(
  pipeline: string,
  run: PipelineRunDto,
  stageNames: readonly string[] = [],
): string[] {
  const lines = [`${pipeline} #${run.counter} (label ${run.label}): ${run.result}`];
  const latestByName = new Map<string, PipelineRunDto["stages"][number]>();
  for (const stage of run.stages) {
    const seen = latestByName.get(stage.name);
    if (seen === undefined || stage.counter > seen.counter) latestByName.set(stage.name, stage);
  }
  const names = [...stageNames, ...[...latestByName.keys()].filter((name) => !stageNames.includes(name))];
  for (const name of names) {
    const stage = latestByName.get(name);
    if (stage === undefined) {
      const waits =
        run.awaitingApproval === name
          ? `awaiting approval (fawkes approve ${pipeline}/${run.counter}/${name})`
          : run.result === "building"
            ? "pending"
            : "not run";
      lines.push(`  ${name}: ${waits}`);
      continue;
    }
    const counter = stage.counter > 1 ? `#${stage.counter}` : "";
    lines.push(`  ${name}${counter}: ${stage.result}  ${stage.jobs.map(jobText).join("  ")}`);
  }
  return lines;
}

export class ProgressRenderer {
  readonly #io: CliIo;
  #drawn: string[] = [];

  constructor(io: CliIo) {
    this.#io = io;
  }

  render(lines: string[]): void {
    if (this.#io.isTty) {
      // Move to the start of the previous block, clear to the end of the screen, draw again.
      const up = this.#drawn.length > 0 ? `\x1b[${this.#drawn.length}F\x1b[0J` : "";
      this.#io.out(up + lines.map((line) => `${line}\n`).join(""));
    } else {
      const changed = lines.filter((line, index) => this.#drawn[index] !== line);
      if (changed.length > 0) this.#io.out(changed.map((line) => `${line}\n`).join(""));
    }
    this.#drawn = lines;
  }
}
