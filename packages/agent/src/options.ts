import { resolve } from "node:path";

export type LogLevel = "info" | "warn" | "error";
export type AgentLog = (level: LogLevel, msg: string, fields?: object) => void;

/** Options of `startAgent` (the CLI maps `fawkes agent` flags onto these). */
export interface AgentOptions {
  /** Base URL of the Fawkes server, e.g. `http://127.0.0.1:8153`. */
  serverUrl: string;
  /** Registration key (the server's auto-register key registers the agent enabled). */
  key: string;
  /** Agent name: letters, digits, `_ . -`. */
  name: string;
  resources: string[];
  environments: string[];
  /** Holds `agent.json` (identity), `pipelines/` (workspaces) and `cache/git/` (mirrors). */
  workDir: string;
  /** How long the server may hold an idle `/work` long poll. @default 25000 */
  workWaitMs?: number;
  /** Operational log (not the job console). @default no logging */
  log?: AgentLog;
  /**
   * `--role`: the role its jobs without a role of their own assume, given at registration (the role's trust
   * policy must allow `ec2.amazonaws.com`). @default none (keeps the role the server has for it)
   */
  role?: string | undefined;
  /**
   * `--token-rotation`: how often the agent replaces its token (POST /agent/v1/token), measured from when the
   * token was issued (registration or the last rotation, kept in `agent.json`), so a restart does not reset it
   * and an agent started with a token older than this rotates first thing. 0 turns rotation off.
   * @default 86400000 (24 hours)
   */
  tokenRotationMs?: number;
}

/** Every 24 hours. */
export const DEFAULT_TOKEN_ROTATION_MS = 24 * 60 * 60_000;

/** Options after defaults, frozen. */
export interface CompiledOptions {
  readonly serverUrl: string;
  readonly key: string;
  readonly name: string;
  readonly resources: readonly string[];
  readonly environments: readonly string[];
  readonly workDir: string;
  readonly workWaitMs: number;
  readonly log: AgentLog;
  readonly role: string | undefined;
  readonly tokenRotationMs: number;
}

export function compileOptions(options: AgentOptions): CompiledOptions {
  const rotation = options.tokenRotationMs;
  if (rotation !== undefined && !(Number.isSafeInteger(rotation) && rotation >= 0))
    throw new RangeError(`tokenRotationMs must be 0 (off) or a positive number of ms, got ${rotation}`);
  return Object.freeze({
    serverUrl: options.serverUrl,
    key: options.key,
    name: options.name,
    resources: [...options.resources],
    environments: [...options.environments],
    workDir: resolve(options.workDir),
    workWaitMs: options.workWaitMs ?? 25_000,
    log: options.log ?? (() => {}),
    role: options.role,
    tokenRotationMs: options.tokenRotationMs ?? DEFAULT_TOKEN_ROTATION_MS,
  });
}
