/** `fawkes validate FILE... [--json]`: check pipeline config files offline, as the server would load them. */
import { open } from "node:fs/promises";
import type { Command } from "commander";
import type { EnvironmentConfig, PipelineConfig } from "@fawkes/core";
import { ErrorCode } from "@fawkes/protocol/constants";
import type { CliContext } from "../context.ts";
import { CliError, ExitCode } from "../errors.ts";
import { positiveInt } from "../options.ts";
import { printJson } from "../output.ts";

/** As `fawkes server`'s default (core's `defaultConfigMaxBytes`), without loading core before it is needed. */
const DEFAULT_CONFIG_MAX_BYTES = 1024 * 1024;

export function registerValidateCommand(program: Command, { io }: CliContext): void {
  program
    .command("validate")
    .description("check *.gocd.yaml files offline; prints file:line:column: message per issue")
    .argument("<files...>", "pipeline config files")
    .option("--json", "print {pipelines, environments, issues} as JSON")
    .option(
      "--config-max-bytes <n>",
      "largest file parsed, in bytes, as the server's option (default: $FAWKES_CONFIG_MAX_BYTES or 1048576)",
      positiveInt,
    )
    .action(async (paths: string[], options: { json?: boolean; configMaxBytes?: number }) => {
      const maxFileBytes = options.configMaxBytes ?? maxBytesFromEnv(process.env.FAWKES_CONFIG_MAX_BYTES);
      const files = await Promise.all(
        paths.map(async (path) => {
          try {
            return { path, ...(await readLimited(path, maxFileBytes)) };
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
      const result = parseConfigFiles(files, { maxFileBytes });
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

/** The file's text, or only its size when it is over the limit (then it is not read). */
async function readLimited(path: string, maxBytes: number): Promise<{ text: string; size: number }> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    return { text: size > maxBytes ? "" : await handle.readFile("utf8"), size };
  } finally {
    await handle.close();
  }
}

function maxBytesFromEnv(raw: string | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_CONFIG_MAX_BYTES;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < 1)
    throw new CliError(`FAWKES_CONFIG_MAX_BYTES must be a positive integer, got "${raw}"`, {
      code: ErrorCode.badRequest,
      hint: "unset it or give a number of bytes",
    });
  return Number(raw);
}
