/**
 * Test-only crash points (`FAWKES_TEST_FAILPOINT`): the crash test kills the server with SIGKILL at the Nth
 * write statement of its lifecycle steps (`write:N`, before the statement runs) or just after the Nth COMMIT of
 * a step that wrote, before its side effects (`commit:N`). Counting starts when the server starts.
 *
 * Honoured only when `NODE_ENV` is `test` as well: a variable left set on a production server must not turn
 * into a crash loop. Anyone who can set a server's environment can stop it anyway, so the pair adds no power;
 * without `NODE_ENV=test` the variable is ignored with a warning.
 */
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";
import type { Logger } from "pino";

export interface Failpoint {
  readonly kind: "write" | "commit";
  readonly at: number;
}

const FAILPOINT = /^(write|commit):([1-9][0-9]{0,6})$/;

/** Reads the variables once at start; a malformed value (when honoured) is a start-up error. */
export function failpointFromEnv(
  env: Record<string, string | undefined>,
  log: Logger,
): Failpoint | undefined {
  const raw = env.FAWKES_TEST_FAILPOINT;
  if (raw === undefined || raw === "") return undefined;
  if (env.NODE_ENV !== "test") {
    log.warn("FAWKES_TEST_FAILPOINT is ignored: it is honoured only with NODE_ENV=test");
    return undefined;
  }
  const match = FAILPOINT.exec(raw);
  if (!match) throw new Error(`FAWKES_TEST_FAILPOINT must be write:N or commit:N (N ≥ 1), got "${raw}"`);
  log.warn({ failpoint: raw }, "test failpoint armed: the server kills itself there");
  return { kind: match[1] as Failpoint["kind"], at: Number(match[2]) };
}

const die = (): never => {
  process.kill(process.pid, "SIGKILL");
  // SIGKILL cannot be caught; nothing after it runs, but the type system does not know.
  throw new Error("unreachable");
};

/** Counts the write statements of steps and the commits of steps that wrote; dies at the armed point. */
export class FailpointCounter {
  readonly #failpoint: Failpoint;
  #writes = 0;
  #commits = 0;

  constructor(failpoint: Failpoint) {
    this.#failpoint = failpoint;
  }

  /** A plugin for one step's transaction: counts its writes into `step`. */
  plugin(step: { wrote: boolean }): KyselyPlugin {
    return {
      transformQuery: ({ node }: PluginTransformQueryArgs): RootOperationNode => {
        if (isWrite(node)) {
          step.wrote = true;
          this.#writes++;
          if (this.#failpoint.kind === "write" && this.#writes === this.#failpoint.at) die();
        }
        return node;
      },
      transformResult: async ({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> =>
        result,
    };
  }

  committed(step: { wrote: boolean }): void {
    if (!step.wrote) return;
    this.#commits++;
    if (this.#failpoint.kind === "commit" && this.#commits === this.#failpoint.at) die();
  }
}

function isWrite(node: RootOperationNode): boolean {
  return (
    node.kind === "InsertQueryNode" ||
    node.kind === "UpdateQueryNode" ||
    node.kind === "DeleteQueryNode" ||
    node.kind === "MergeQueryNode"
  );
}
