/**
 * What every command gets: its I/O and the global options (`--server`, `--token`), resolved with their defaults:
 * server = --server < $FAWKES_SERVER < http://127.0.0.1:8153; token = --token < $FAWKES_TOKEN < credentials file.
 */
import type { Command } from "commander";
import { CliError } from "./errors.ts";
import type { CliIo } from "./io.ts";
import { ErrorCode } from "@fawkes/protocol/constants";

export const defaultServerUrl = "http://127.0.0.1:8153";

export interface GlobalOptions {
  server?: string;
  token?: string;
}

export interface CliContext {
  io: CliIo;
  /** Absolute path of main.ts (what `up` runs agents and git hooks with). */
  mainScript: string;
}

export function serverUrlOf(command: Command, io: CliIo): string {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const url = globals.server ?? nonEmpty(io.env.FAWKES_SERVER) ?? defaultServerUrl;
  try {
    new URL(url);
  } catch (cause) {
    throw new CliError(`--server ${JSON.stringify(url)} is not a URL`, {
      code: ErrorCode.badRequest,
      hint: "use a URL such as http://127.0.0.1:8153",
      cause,
    });
  }
  return url.replace(/\/+$/, "");
}

export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
