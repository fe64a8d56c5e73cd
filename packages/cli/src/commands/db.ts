/**
 * `fawkes db copy --to postgres://…`: moves a stopped server's SQLite database into an empty PostgreSQL database
 * (the server package's store/copy.ts does the copying); the server is then started with `--database` on it.
 */
import path from "node:path";
import type { ErrorCode } from "@fawkes/protocol";
import type { Command } from "commander";
import type { CopyProgress } from "@fawkes/server";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { printJson } from "../output.ts";
import { databaseUrl } from "../server-flags.ts";

interface CopyFlags {
  to?: string;
  dataDir?: string;
  json?: boolean;
}

/** What to do next for the failures a user can fix, by the store's error code. */
const hints: Record<string, string> = {
  FAWKES_DATA_DIR_IN_USE: "stop the server first: the copy must see a database nobody is writing",
  FAWKES_DATABASE_NOT_EMPTY: "create an empty database (createdb NAME) and copy into that one",
  FAWKES_DATABASE_UNAVAILABLE:
    "check the host, port, user and password (PGPASSWORD, ~/.pgpass or FAWKES_DATABASE_URL)",
};

export function registerDbCommand(program: Command, { io }: CliContext): void {
  const db = program.command("db").description("manage the server's database");
  db.command("copy")
    .description("copy a stopped server's SQLite database into an empty PostgreSQL database")
    .option(
      "--to <postgres-url>",
      "target database, postgres://USER@HOST:PORT/DB (default: $FAWKES_DATABASE_URL)",
      databaseUrl,
    )
    .option(
      "--data-dir <dir>",
      "data directory of the stopped server (default: $FAWKES_DATA_DIR or ./.fawkes)",
    )
    .option("--json", "print {target, tables: [{table, rows}]} as JSON")
    .action(async (flags: CopyFlags) => {
      const to = flags.to ?? io.env.FAWKES_DATABASE_URL;
      if (to === undefined || to === "")
        throw new CliError("no target database", {
          hint: "pass --to postgres://USER@HOST:PORT/DB or set FAWKES_DATABASE_URL",
        });
      const dataDir = path.resolve(flags.dataDir ?? (io.env.FAWKES_DATA_DIR || ".fawkes"));
      // Loaded lazily, as `fawkes server` does: other commands should not pay for the server's code.
      const { copySqliteToPostgres } = await import("@fawkes/server");
      const progress = flags.json ? undefined : progressPrinter(io);
      const result = await copySqliteToPostgres({ dataDir, to, onProgress: progress }).catch(
        (error: unknown) => {
          throw explainCopyFailure(error);
        },
      );
      if (flags.json) {
        printJson(io, result);
        return;
      }
      const rows = result.tables.reduce((sum, table) => sum + table.rows, 0);
      io.out(`copied ${rows} rows in ${result.tables.length} tables from ${dataDir} to ${result.target}\n`);
      io.out(`start the server on it with: fawkes server --data-dir ${dataDir} --database postgres://…\n`);
    });
}

/**
 * One line per table when it is done; on a terminal, a line redrawn in place while a large table is copied.
 */
function progressPrinter(io: CliIo): (progress: CopyProgress) => void {
  return ({ table, copied, total }) => {
    if (copied < total) {
      if (io.isTty) io.out(`\r${table}: ${copied}/${total} rows\x1b[K`);
      return;
    }
    io.out(`${io.isTty ? "\r" : ""}${table}: ${total} rows${io.isTty ? "\x1b[K" : ""}\n`);
  };
}

function explainCopyFailure(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string" || !code.startsWith("FAWKES_") || !(error instanceof Error)) return error;
  return new CliError(error.message, {
    code: code as ErrorCode,
    ...(hints[code] !== undefined && { hint: hints[code] }),
    cause: error,
  });
}
