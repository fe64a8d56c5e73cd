/**
 * `fawkes up` as the README's start command runs it (`npm start`): a subprocess with the bundled example on a
 * fresh data directory, its banner read for what it prints (the UI, the login, the stable address of the
 * application, the example repository). Ports are ephemeral so tests may run in parallel.
 */
import { createApiClient, type ApiClient } from "./api-client.ts";
import { spawnFawkes, type CapturedProcess } from "./child-process.ts";
import { onCleanup, type CleanupScope } from "./cleanup.ts";
import { tempDir } from "./temp-dir.ts";
import { testDatabase } from "./test-store.ts";
import { waitFor } from "./wait-for.ts";

export interface UpProcessOptions {
  /** @default a fresh temp dir */
  dataDir?: string;
  /** Extra environment. */
  env?: Record<string, string>;
  /** Deadline for the banner (it comes after the infrastructure stack is made). @default 60000 */
  startTimeoutMs?: number;
  /**
   * A `postgres://` URL the server stores its state in (passed as FAWKES_DATABASE_URL, so it stays out of the
   * process list), or `"sqlite"` for the data dir's SQLite file whatever FAWKES_TEST_STORE says.
   * @default the test store (test-store.ts): SQLite, or a fresh PostgreSQL database
   */
  database?: string;
}

export interface UpProcess {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly cloudUrl: string;
  /** The API token of the banner's web UI link. */
  readonly token: string;
  /** The administrator's access key for the cloud endpoint the first start prints. */
  readonly accessKey: { accessKeyId: string; secretAccessKey: string };
  /** The administrator's login the first start prints. */
  readonly admin: { user: string; password: string };
  /** The application's stable address, e.g. http://127.101.7.9:8080/ */
  readonly appUrl: string;
  /** The example's git repository (in the data directory): commit here to trigger the pipeline. */
  readonly repo: string;
  readonly dataDir: string;
  /** The $XDG_CONFIG_HOME it saved its token under: `fawkes` commands run with it need no --server token. */
  readonly configHome: string;
  /** The PostgreSQL URL of its store; undefined when it is the data dir's SQLite file. */
  readonly database: string | undefined;
  readonly process: CapturedProcess;
  readonly api: ApiClient;
  /** Everything the process printed, for failure messages. */
  output(): string;
}

function field(banner: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(banner);
  if (match?.[1] === undefined) throw new Error(`the banner of fawkes up has no ${what}:\n${banner}`);
  return match[1];
}

export async function startUpProcess(t: CleanupScope, options: UpProcessOptions = {}): Promise<UpProcess> {
  const dataDir = options.dataDir ?? (await tempDir(t, "fawkes-up-"));
  // Its token file goes under $XDG_CONFIG_HOME: keep that out of the user's home.
  const configHome = options.env?.XDG_CONFIG_HOME ?? (await tempDir(t, "fawkes-up-xdg-"));
  const chosen = options.database ?? (await testDatabase(t));
  const database = chosen === "sqlite" ? undefined : chosen;
  const proc = spawnFawkes(
    "fawkes up",
    ["up", "--data-dir", dataDir, "--port", "0", "--cloud-port", "0", "--log-level", "warn"],
    {
      ...options.env,
      XDG_CONFIG_HOME: configHome,
      ...(database !== undefined && { FAWKES_DATABASE_URL: database }),
    },
  );
  onCleanup(t, () => proc.kill("SIGTERM", 15_000));
  const banner = await waitFor(
    () => {
      const text = proc.output();
      return text.includes("Press Ctrl-C to stop.") ? text : undefined;
    },
    {
      timeoutMs: options.startTimeoutMs ?? 60_000,
      message: "the banner of fawkes up",
      abortIf: () => (proc.hasExited() ? `fawkes up exited:\n${proc.output()}` : undefined),
    },
  );
  const url = field(banner, /Fawkes is up at (\S+)/, "server URL");
  const token = field(banner, /#token=(\S+)/, "web UI link");
  return {
    url,
    cloudUrl: field(banner, /cloud endpoint\s+(\S+)/, "cloud endpoint"),
    token,
    accessKey: {
      accessKeyId: field(banner, /AWS_ACCESS_KEY_ID=(\S+)/, "administrator access key"),
      secretAccessKey: field(banner, /AWS_SECRET_ACCESS_KEY=(\S+)/, "administrator secret key"),
    },
    admin: {
      user: field(banner, /^\s+user\s+(\S+)$/m, "administrator user"),
      password: field(banner, /^\s+password\s+(\S+)$/m, "administrator password"),
    },
    appUrl: field(banner, /application\s+(http\S+)/, "application address"),
    repo: field(banner, /^\s+cd (\S+) && sed/m, "example repository"),
    dataDir,
    configHome,
    database,
    process: proc,
    api: createApiClient(
      () => url,
      () => token,
    ),
    output: () => proc.output(),
  };
}
