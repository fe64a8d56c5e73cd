/** Everything a service needs, built once in startServer and passed explicitly (no singletons). */
import type { ConfigSnapshot, EnvironmentConfig, PipelineConfig } from "@fawkes/core";
import type { ServerEvent } from "@fawkes/protocol";
import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import type { CloudRuntime } from "../cloud/runtime.ts";
import type { JobIdTokens } from "../identity/oidc/index.ts";
import type { ServerOptions } from "../options.ts";
import type { Executor } from "../store/executor.ts";
import type { Database } from "../store/schema.ts";
import type { Clock } from "./clock.ts";
import type { EventBus } from "./events.ts";
import type { MaterialFingerprints } from "./fingerprints.ts";

/** The live, validated configuration (last valid version of each pipeline). */
export interface ConfigView {
  snapshot(): ConfigSnapshot;
  pipeline(name: string): PipelineConfig | undefined;
  environment(name: string | null): EnvironmentConfig | undefined;
  /** Whether the config has been read once: until then no pipeline is known, so none counts as archived. */
  loaded(): boolean;
}

/** What the engine's code reads besides the database: the same inside and outside a step. */
export interface EngineServices {
  readonly options: Readonly<ServerOptions>;
  readonly log: Logger;
  readonly config: ConfigView;
  /** Keyed, credential-free material identities (fingerprints.ts). */
  readonly fingerprints: MaterialFingerprints;
  /** Base URL agents and jobs use to reach the server (GO_SERVER_URL). */
  readonly serverUrl: string;
  /** The cloud endpoint, once started (jobs get its AWS_* variables); absent in tests without one. */
  readonly cloud?: CloudRuntime | undefined;
  /** The OIDC issuer (jobs' ID tokens), once started; absent in tests without one. */
  readonly oidc?: JobIdTokens | undefined;
  /** Time and timers of the engine (the system clock, or a test's hand-advanced one). */
  readonly clock: Clock;
  /** `clock.now()`. */
  now(): number;
}

/** Code that only reads takes this: an EngineContext outside a step, the step's StepContext inside one. */
export interface ReadContext extends EngineServices {
  readonly db: Executor;
}

/**
 * Inside a lifecycle step (step.ts): `db` is the step's transaction, and the only database there is; events
 * and other effects wait for COMMIT and are dropped on rollback.
 */
export interface StepContext extends EngineServices {
  readonly db: Transaction<Database>;
  /** Published after COMMIT. */
  readonly events: { publish(event: ServerEvent): void };
  /** Runs `effect` after COMMIT (in order, each on its own: one that throws is logged); dropped on rollback. */
  afterCommit(effect: () => void): void;
}

/** Runs `fn` as one lifecycle step: under the engine's mutex, in one store transaction (step.ts). */
export type RunStep = <T>(fn: (tx: StepContext) => Promise<T>) => Promise<T>;

export interface EngineContext extends EngineServices {
  /**
   * The database outside steps (reads, and writes that are no lifecycle step: heartbeats, artifacts). Used
   * inside a step it throws at once: the step holds the only connection.
   */
  readonly db: Kysely<Database>;
  readonly events: EventBus;
  /** Every change to runs, stages, jobs, agents and pipelines goes through here (step.ts). */
  readonly step: RunStep;
  serverUrl: string;
  cloud?: CloudRuntime | undefined;
  oidc?: JobIdTokens | undefined;
}
