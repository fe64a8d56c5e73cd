/** Flags shared by `fawkes server` and `fawkes up`, mapped onto the server's raw options. */
import { InvalidArgumentError, type Command } from "commander";
import { CliError } from "./errors.ts";
import { collect, port, positiveInt } from "./options.ts";

export interface ServerFlags {
  dataDir?: string;
  database?: string;
  host?: string;
  port?: number;
  cloudPort?: number;
  pipelines?: string[];
  pollInterval?: number;
  logLevel?: string;
  configMaxBytes?: number;
  publicUrl?: string;
  oidcKeyRotationDays?: number;
  oidcTokenLifetime?: number;
}

export function addServerFlags(command: Command): Command {
  return command
    .option("--data-dir <dir>", "data directory (default: $FAWKES_DATA_DIR or ./.fawkes)")
    .option(
      "--database <postgres-url>",
      "PostgreSQL store, postgres://USER@HOST:PORT/DB (default: $FAWKES_DATABASE_URL, else SQLite in the data directory)",
      databaseUrl,
    )
    .option("--host <host>", "address to listen on (default: $FAWKES_HOST or 127.0.0.1)")
    .option(
      "--port <n>",
      "HTTP port for API, web UI and agents; 0 = any free port (default: $FAWKES_PORT or 8153)",
      port,
    )
    .option("--cloud-port <n>", "cloud endpoint port (default: 8154)", port)
    .option(
      "--pipelines <path-or-git-url>",
      "directory or git repository scanned for *.gocd.yaml (repeatable)",
      collect,
    )
    .option(
      "--poll-interval <ms>",
      "git polling fallback interval in milliseconds (default: 10000)",
      positiveInt,
    )
    .option(
      "--log-level <level>",
      "server log level: fatal, error, warn, info, debug (default: $FAWKES_LOG_LEVEL or info)",
    )
    .option(
      "--config-max-bytes <n>",
      "largest *.gocd.yaml file parsed, in bytes (default: $FAWKES_CONFIG_MAX_BYTES or 1048576)",
      positiveInt,
    )
    .option(
      "--public-url <url>",
      "URL users and relying parties reach the server at; the OIDC issuer of jobs' ID tokens (default: $FAWKES_PUBLIC_URL, else the URL it listens on)",
    )
    .option(
      "--oidc-key-rotation-days <n>",
      "days an OIDC signing key signs before a new one replaces it (default: $FAWKES_OIDC_KEY_ROTATION_DAYS or 7)",
      positiveInt,
    )
    .option(
      "--oidc-token-lifetime <seconds>",
      "lifetime of jobs' OIDC ID tokens, 60-3600 (default: $FAWKES_OIDC_TOKEN_LIFETIME or 600)",
      positiveInt,
    );
}

/**
 * A command line is visible to every user of the machine (`ps`), so the flag takes a URL without a password:
 * the password comes from FAWKES_DATABASE_URL, PGPASSWORD or ~/.pgpass (node-postgres reads both).
 */
export function databaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("expected a postgres:// URL");
  }
  if (!/^postgres(ql)?:$/i.test(url.protocol))
    throw new InvalidArgumentError(`expected a postgres:// URL, got ${url.protocol}//…`);
  if (url.password !== "")
    throw new InvalidArgumentError(
      "a password here would show in the process list: set FAWKES_DATABASE_URL instead, or put it in PGPASSWORD or ~/.pgpass",
    );
  return value;
}

/** Only the flags given, so the server's own precedence (defaults < FAWKES_* env < flags) holds. */
export function rawServerOptions(flags: ServerFlags): Record<string, unknown> {
  const raw: Record<string, unknown> = {
    dataDir: flags.dataDir,
    database: flags.database,
    host: flags.host,
    port: flags.port,
    cloudPort: flags.cloudPort,
    pipelineSources: flags.pipelines,
    pollIntervalMs: flags.pollInterval,
    logLevel: flags.logLevel,
    configMaxBytes: flags.configMaxBytes,
    publicUrl: flags.publicUrl,
    oidcKeyRotationDays: flags.oidcKeyRotationDays,
    oidcTokenLifetimeSeconds: flags.oidcTokenLifetime,
  };
  return Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
}

/** Adds what to do next to the usual start-up failures (port taken, data directory not writable). */
export function explainStartFailure(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "EADDRINUSE") {
    return new CliError(message, {
      hint: "another Fawkes server (or another program) uses that port: stop it, or pass --port N (0 = any free port)",
      cause: error,
    });
  }
  if (code === "EACCES" || code === "EROFS") {
    return new CliError(message, {
      hint: "choose a writable data directory with --data-dir DIR",
      cause: error,
    });
  }
  return error;
}
