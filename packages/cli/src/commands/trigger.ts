/**
 * `fawkes trigger PIPELINE [--revision MATERIAL=SHA]... [--var NAME=VALUE]... [--wait | --wait-through-approvals]`.
 * With --wait it shows the run's stages and jobs live and exits 0 only if the run passes (on failure: the failed
 * jobs' last console lines); at a stage waiting for manual approval it stops with exit code 3 and the command that
 * approves it. --wait-through-approvals keeps waiting there (for someone else to approve).
 * `--var` may only name a variable the pipeline declares; the server refuses any other, and then the error
 * lists the ones it declares.
 */
import type { Command } from "commander";
import { ErrorCode, type PipelineRunDto, type TriggerRequest, type TriggerResponse } from "@fawkes/protocol";
import type { FawkesClient } from "../client.ts";
import { clientFor } from "../client-for.ts";
import type { CliContext } from "../context.ts";
import { CliError, ExitCode, exitCodes } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { collectPair } from "../options.ts";
import { printJson } from "../output.ts";
import { awaitsApproval, watchRun } from "../watch-run.ts";

const tailLines = 20;

interface TriggerOptions {
  revision?: Record<string, string>;
  var?: Record<string, string>;
  wait?: boolean;
  waitThroughApprovals?: boolean;
  json?: boolean;
}

export function registerTriggerCommand(program: Command, { io }: CliContext): void {
  program
    .command("trigger")
    .description("start a pipeline run now (optionally at chosen revisions, with variables)")
    .argument("<pipeline>", "pipeline name")
    .option("--revision <material=sha>", "build this revision of a material (repeatable)", collectPair)
    .option(
      "--var <name=value>",
      "override a variable the pipeline declares, for this run (repeatable)",
      collectPair,
    )
    .option(
      "--wait",
      "show progress live; exit 0 only if the run passes, 3 when it stops at a manual approval",
    )
    .option("--wait-through-approvals", "as --wait, but keep waiting while a stage awaits manual approval")
    .option(
      "--json",
      "print the run (with --wait: the finished run, or the run waiting for approval) as JSON",
    )
    .action(async (pipeline: string, options: TriggerOptions, command: Command) => {
      const client = clientFor(command, io);
      const started = await triggerRun(client, pipeline, {
        revisions: options.revision ?? {},
        variables: options.var ?? {},
      });
      const wait = options.wait === true || options.waitThroughApprovals === true;
      if (!wait) {
        if (options.json) printJson(io, started);
        else io.out(`started ${started.pipeline}/${started.counter} (label ${started.label})\n`);
        return;
      }
      const summary = (await client.pipelines()).pipelines.find((candidate) => candidate.name === pipeline);
      const watchIo: CliIo = options.json ? { ...io, out: () => {} } : io;
      const run = await watchRun({
        client,
        io: watchIo,
        pipeline,
        counter: started.counter,
        stageNames: summary?.stages ?? [],
        throughApprovals: options.waitThroughApprovals === true,
      });
      if (options.json) printJson(io, run);
      if (awaitsApproval(run)) {
        const locator = `${pipeline}/${run.counter}/${run.awaitingApproval}`;
        io.err(
          `fawkes: ${locator} waits for manual approval; stopped waiting (exit ${exitCodes.awaitingApproval})\n` +
            `to continue: fawkes approve ${locator}\n` +
            `(--wait-through-approvals keeps waiting while someone else approves)\n`,
        );
        throw new ExitCode(exitCodes.awaitingApproval);
      }
      if (run.result === "passed") return;
      if (!options.json) await printFailedJobTails(client, io, pipeline, run);
      throw new ExitCode(exitCodes.failure);
    });
}

/** Triggers the run; a refused variable gets, as a hint, the variables the pipeline does declare. */
async function triggerRun(
  client: FawkesClient,
  pipeline: string,
  request: TriggerRequest,
): Promise<TriggerResponse> {
  try {
    return await client.trigger(pipeline, request);
  } catch (error) {
    if (!(error instanceof CliError) || error.code !== ErrorCode.undeclaredVariable) throw error;
    const summary = await client.pipelines().then(
      (list) => list.pipelines.find((candidate) => candidate.name === pipeline),
      () => undefined,
    );
    if (summary === undefined) throw error;
    const names = summary.triggerVariables.map((variable) =>
      variable.secure ? `${variable.name} (secure)` : variable.name,
    );
    const hint =
      names.length === 0
        ? `pipeline ${pipeline} declares no variables, so --var cannot be used with it`
        : `variables pipeline ${pipeline} declares: ${names.join(", ")}`;
    throw new CliError(error.message, { code: error.code, status: error.status, hint, cause: error });
  }
}

async function printFailedJobTails(
  client: FawkesClient,
  io: CliIo,
  pipeline: string,
  run: PipelineRunDto,
): Promise<void> {
  for (const stage of run.stages) {
    for (const job of stage.jobs) {
      if (job.result !== "failed") continue;
      const locator = {
        pipeline,
        counter: run.counter,
        stage: stage.name,
        stageCounter: stage.counter,
        job: job.name,
      };
      const body = await client.console(locator, {
        stageCounter: stage.counter,
        timestamps: true,
        follow: false,
      });
      const text = await new Response(body).text();
      const lines = text.split("\n");
      if (lines.at(-1) === "") lines.pop();
      io.out(
        `\n--- ${pipeline}/${run.counter}/${stage.name}/${stage.counter}/${job.name} failed; last ${Math.min(tailLines, lines.length)} console lines ---\n`,
      );
      io.out(
        lines
          .slice(-tailLines)
          .map((line) => `${line}\n`)
          .join(""),
      );
      io.out(
        `(full log: fawkes logs ${pipeline}/${run.counter}/${stage.name}/${stage.counter}/${job.name})\n`,
      );
    }
  }
}
