/** `fawkes validate FILE... [--json]`: check pipeline config files offline, as the server would load them. */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { EnvironmentConfig, PipelineConfig } from "@fawkes/core";
import { ErrorCode } from "@fawkes/protocol/constants";
import type { CliContext } from "../context.ts";
import { CliError, ExitCode } from "../errors.ts";
import { printJson } from "../output.ts";

export function registerValidateCommand(program: Command, { io }: CliContext): void {
  program
    .command("validate")
    .description("check *.gocd.yaml files offline; prints file:line:column: message per issue")
    .argument("<files...>", "pipeline config files")
    .option("--json", "print {pipelines, environments, issues} as JSON")
    .action(async (paths: string[], options: { json?: boolean }) => {
      const files = await Promise.all(
        paths.map(async (path) => {
          try {
            return { path, text: await readFile(path, "utf8") };
          } catch (cause) {
            throw new CliError(`cannot read ${path}: ${(cause as Error).message}`, {
              code: ErrorCode.configInvalid,
              hint: "check the file path",
              cause,
            });
          }
        }),
      );
      // Loaded lazily so client commands start without the config parser.
      const { parseConfigFiles, formatIssue } = await import("@fawkes/core");
      const result = parseConfigFiles(files);
      const pipelines = result.pipelines.map((pipeline: PipelineConfig) => pipeline.name);
      const environments = result.environments.map((environment: EnvironmentConfig) => environment.name);
      if (options.json) {
        printJson(io, { pipelines, environments, issues: result.issues });
      } else {
        for (const issue of result.issues) io.out(`${formatIssue(issue)}\n`);
        if (result.issues.length === 0) {
          io.out(
            `${files.length} file(s) valid: ${pipelines.length} pipeline(s)${pipelines.length > 0 ? ` (${pipelines.join(", ")})` : ""}\n`,
          );
        }
      }
      if (result.issues.length > 0) throw new ExitCode(1);
    });
}
