/** Options shared by `cp`, `sync` and `rm`: filters and output control. */
import type { Command } from "commander";
import type { CliIo } from "../../io.ts";
import { collectFilter, compileFilters, type PathFilter, type PathPredicate } from "./filters.ts";
import { TransferProgress } from "./progress.ts";

export interface FilterFlags {
  exclude?: PathFilter[];
  include?: PathFilter[];
}

export interface OutputFlags {
  quiet?: boolean;
  /** false with --no-progress. */
  progress?: boolean;
}

export function addFilterOptions(command: Command): Command {
  return command
    .option(
      "--exclude <glob>",
      "skip paths matching the glob (repeatable; `*` matches across `/`; later filters win)",
      collectFilter("exclude"),
    )
    .option(
      "--include <glob>",
      "keep paths matching the glob even if excluded earlier (repeatable)",
      collectFilter("include"),
    );
}

export function addOutputOptions(command: Command): Command {
  return command
    .option("--quiet", "print nothing but errors")
    .option("--no-progress", "no redrawn progress line (file lines are still printed)");
}

export function filterOf(flags: FilterFlags): PathPredicate {
  return compileFilters(flags.exclude, flags.include);
}

export function progressFor(io: CliIo, flags: OutputFlags): TransferProgress {
  return new TransferProgress(io, {
    quiet: flags.quiet === true,
    live: io.isTty && flags.progress !== false,
  });
}
