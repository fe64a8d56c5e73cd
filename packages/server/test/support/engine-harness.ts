/**
 * The engine in-process, for scheduling and lifecycle tests that run in milliseconds: a temporary store (SQLite,
 * or a database on a private PostgreSQL cluster), the real engine and HTTP app on a real port, a clock the test
 * advances by hand (the lost-agent sweep, long-poll timeouts and heartbeat expiry all follow it), and scripted
 * agents that speak the real agent protocol. No cloud endpoint and no agent process: tests that need those use
 * startFawkes. Everything started is stopped when the test ends.
 */
import path from "node:path";
import type { PipelineRunDto } from "@fawkes/protocol";
import {
  ManualClock,
  createApiClient,
  createGitRepo,
  onCleanup,
  tempDir,
  testDatabase,
  waitFor,
  waitForRun,
  writePipelineDir,
  yamlString,
  type ApiClient,
  type CleanupScope,
} from "@fawkes/testing";
import { pino } from "pino";
import { createEngine, type Engine } from "../../src/engine/engine.ts";
import { buildApp } from "../../src/http/app.ts";
import { loadDataKey, loadServerKeys, type ServerKeys } from "../../src/keys.ts";
import { compileServerOptions, type ServerOptions } from "../../src/options.ts";
import { openDatabase } from "../../src/store/db.ts";
import { ScriptedAgent, type ScriptedAgentOptions } from "./scripted-agent.ts";

export interface EngineHarnessOptions {
  /** Pipeline config files by name (`"a.gocd.yaml": yaml`), loaded before the harness returns. */
  pipelineFiles: Record<string, string>;
  /** Pipelines that must have loaded (a config error fails the start, naming the errors). @default [] */
  expectPipelines?: string[];
  /**
   * The store: a SQLite file path or a PostgreSQL URL (test/store/backends.ts makes either). @default the
   * suite's store (FAWKES_TEST_STORE: a SQLite file in the temporary data directory, or a fresh PostgreSQL
   * database)
   */
  database?: string;
  /** Server options on top of the harness's (no polling, ports 0). */
  options?: Partial<ServerOptions>;
}

export interface EngineHarness {
  url: string;
  /** The running engine (a new one after {@link EngineHarness.restart}). */
  readonly engine: Engine;
  keys: ServerKeys;
  /** The engine's clock: nothing time-bound happens until the test advances it. */
  clock: ManualClock;
  /** The REST API as a user (API token). */
  api: ApiClient;
  /** Registers a scripted agent with the auto-register key: enabled at once. */
  agent(options: ScriptedAgentOptions | string): Promise<ScriptedAgent>;
  /** Registers a scripted agent with the agent key: pending until enabled. */
  pendingAgent(options: ScriptedAgentOptions | string): Promise<ScriptedAgent>;
  /**
   * Waits until the server holds `agent`'s work poll: a test that advances the clock to end a poll must first
   * know the poll (and its timer) exists.
   */
  polling(agent: ScriptedAgent): Promise<void>;
  /** Waits (real time, a short interval) for run `pipeline/counter` to satisfy `predicate`. */
  run(
    pipeline: string,
    counter: number,
    predicate?: (run: PipelineRunDto) => boolean,
  ): Promise<PipelineRunDto>;
  /**
   * Stops the engine and its HTTP app (held polls end), moves the clock `downMs` forward (the time the server
   * was down: no timer of the stopped engine fires) and starts a new engine and app on the same store, data
   * directory and port, as a restarted server would.
   */
  restart(downMs: number): Promise<void>;
}

export async function startEngineHarness(
  t: CleanupScope,
  options: EngineHarnessOptions,
): Promise<EngineHarness> {
  const dataDir = await tempDir(t, "fawkes-harness-");
  const pipelines = await writePipelineDir(t, options.pipelineFiles);
  const serverOptions = compileServerOptions(
    {
      dataDir,
      host: "127.0.0.1",
      port: 0,
      cloudPort: 0,
      pipelineSources: [pipelines],
      pollIntervalMs: 0,
      logLevel: "silent",
      ...options.options,
    },
    {},
  );
  const log = pino({ level: "silent" });
  const keys = await loadServerKeys(dataDir);
  const dataKey = await loadDataKey(dataDir);
  const database = await openDatabase(
    options.database ?? (await testDatabase(t)) ?? path.join(dataDir, "fawkes.db"),
    { dataKey },
  );
  onCleanup(t, () => database.close());
  const clock = new ManualClock();
  let port = 0;
  const boot = async (): Promise<{ engine: Engine; stop(): Promise<void> }> => {
    const engine = createEngine(serverOptions, database.db, log, dataKey, clock);
    const { app } = await buildApp(engine, keys, log);
    await app.listen({ host: "127.0.0.1", port });
    const address = app.server.address();
    port = typeof address === "object" && address ? address.port : 0;
    engine.ctx.serverUrl = `http://127.0.0.1:${port}`;
    await engine.start();
    return {
      engine,
      // The engine first: it answers held long polls before the app waits on them.
      stop: async () => {
        await engine.close();
        await app.close();
      },
    };
  };
  let running = await boot();
  onCleanup(t, () => running.stop());
  const url = running.engine.ctx.serverUrl;
  const api = createApiClient(
    () => url,
    () => keys.apiToken,
  );
  const expected = options.expectPipelines ?? [];
  if (expected.length > 0) {
    const loaded = new Set(running.engine.config.snapshot().pipelines.map((p) => p.name));
    const missing = expected.filter((name) => !loaded.has(name));
    if (missing.length > 0)
      throw new Error(
        `pipelines ${missing.join(", ")} did not load: ${JSON.stringify(await api.configErrors())}`,
      );
  }
  const named = (agent: ScriptedAgentOptions | string): ScriptedAgentOptions =>
    typeof agent === "string" ? { name: agent } : agent;
  return {
    url,
    get engine() {
      return running.engine;
    },
    keys,
    clock,
    api,
    agent: (agent) => ScriptedAgent.register(url, keys.autoRegisterKey, named(agent)),
    pendingAgent: (agent) => ScriptedAgent.register(url, keys.agentKey, named(agent)),
    async polling(agent) {
      await waitFor(() => running.engine.dispatcher.isPolling(agent.id), {
        timeoutMs: 5_000,
        intervalMs: 2,
        message: `${agent.name}'s work poll to be held`,
      });
    },
    run: (pipeline, counter, predicate) =>
      waitForRun(api, pipeline, counter, predicate, { timeoutMs: 10_000, intervalMs: 5 }),
    async restart(downMs) {
      await running.stop();
      clock.advance(downMs);
      running = await boot();
    },
  };
}

/**
 * A harness with one pipeline `p` of one stage `only` with one job `j`, on a fresh git repository (no auto
 * update: runs start by trigger).
 */
export async function startOneJobHarness(
  t: CleanupScope,
  options: Omit<EngineHarnessOptions, "pipelineFiles" | "expectPipelines"> = {},
): Promise<EngineHarness> {
  const repo = await createGitRepo(t, { "a.txt": "1" });
  return startEngineHarness(t, {
    ...options,
    pipelineFiles: {
      "p.gocd.yaml": `format_version: 10
pipelines:
  p:
    materials: {src: {git: ${yamlString(repo.path)}, branch: main, auto_update: false}}
    stages:
      - only: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`,
    },
    expectPipelines: ["p"],
  });
}
