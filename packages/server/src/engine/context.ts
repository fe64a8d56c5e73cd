/** Everything a service needs, built once in startServer and passed explicitly (no singletons). */
import type { ConfigSnapshot, EnvironmentConfig, PipelineConfig } from "@fawkes/core";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { CloudRuntime } from "../cloud/runtime.ts";
import type { ServerOptions } from "../options.ts";
import type { Database } from "../store/schema.ts";
import type { Clock } from "./clock.ts";
import type { EventBus } from "./events.ts";
import type { MaterialFingerprints } from "./fingerprints.ts";
import type { Mutex } from "./mutex.ts";

/** The live, validated configuration (last valid version of each pipeline). */
export interface ConfigView {
  snapshot(): ConfigSnapshot;
  pipeline(name: string): PipelineConfig | undefined;
  environment(name: string | null): EnvironmentConfig | undefined;
}

export interface EngineContext {
  readonly options: Readonly<ServerOptions>;
  readonly db: Kysely<Database>;
  readonly log: Logger;
  readonly events: EventBus;
  /** Serialises run/stage/job/agent state changes. */
  readonly lock: Mutex;
  readonly config: ConfigView;
  /** Keyed, credential-free material identities (fingerprints.ts). */
  readonly fingerprints: MaterialFingerprints;
  /** Base URL agents and jobs use to reach the server (GO_SERVER_URL). */
  serverUrl: string;
  /** The cloud endpoint, once started (jobs get its AWS_* variables); absent in tests without one. */
  cloud?: CloudRuntime;
  /** Time and timers of the engine (the system clock, or a test's hand-advanced one). */
  readonly clock: Clock;
  /** `clock.now()`. */
  now(): number;
}
