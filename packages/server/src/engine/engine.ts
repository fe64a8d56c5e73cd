/** The engine: config, triggers, run lifecycle and dispatcher wired together (no HTTP here). */
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { JobLocator } from "@fawkes/protocol";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { ArtifactStore } from "../artifacts/index.ts";
import { ConsoleStore } from "../logs/index.ts";
import { GitMirror, MaterialWatcher, remoteDefaultBranch } from "../materials/index.ts";
import type { ServerOptions } from "../options.ts";
import { auditConfigChanges } from "../services/audit-config.ts";
import { listMaterials } from "../store/materials-repo.ts";
import type { AgentRecord, JobRunRecord } from "../store/records.ts";
import { findRunById } from "../store/runs-repo.ts";
import { findStageRun } from "../store/stages-repo.ts";
import type { Database } from "../store/schema.ts";
import { currentJobPatch } from "./current-job-patch.ts";
import { StepWatchedCache } from "./step-watched-cache.ts";
import { buildAssignment } from "./assignment.ts";
import { systemClock, type Clock } from "./clock.ts";
import { ConfigService } from "./config-service.ts";
import type { EngineContext, ReadContext, StepContext } from "./context.ts";
import { Dispatcher } from "./dispatcher.ts";
import { EventBus } from "./events.ts";
import { FailpointCounter, failpointFromEnv } from "./failpoint.ts";
import { materialFingerprints } from "./fingerprints.ts";
import { OutboxWorker } from "./outbox-worker.ts";
import type { LifecycleHooks } from "./run-lifecycle.ts";
import { stepRunner } from "./step.ts";
import { Triggers } from "./triggers.ts";

/** Locators of the jobs agents hold or last held: far more than agents ever run at once. */
const LOCATOR_CACHE_SIZE = 10_000;

export interface Engine {
  ctx: EngineContext;
  hooks: LifecycleHooks;
  config: ConfigService;
  dispatcher: Dispatcher;
  /** Agents by token hash for authentication, dropped by every step that writes agents (step-watched-cache.ts). */
  agentTokens: StepWatchedCache<string, AgentRecord>;
  /** Job runs by id for agents' lease checks, dropped by every step that writes job runs. */
  heldJobs: StepWatchedCache<number, JobRunRecord>;
  triggers: Triggers;
  /** Carries out what steps wrote to the outbox (downstream runs, changes after unlock or unpause). */
  outbox: OutboxWorker;
  watcher: MaterialWatcher;
  consoles: ConsoleStore;
  artifacts: ArtifactStore;
  mirror: GitMirror;
  /** Read through `read` (a step's context inside a step). */
  locatorOf(job: JobRunRecord, read?: ReadContext): Promise<JobLocator | null>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `dataKey` keys the material fingerprints, which the database stores: a server passes its data directory's key.
 * Without one (the OpenAPI generator, tests without a database to keep) a random key is used. `clock` is the
 * system's except in the engine harness of tests, which advances time by hand.
 */
export function createEngine(
  options: Readonly<ServerOptions>,
  db: Kysely<Database>,
  log: Logger,
  dataKey: Buffer = randomBytes(32),
  clock: Clock = systemClock,
  env: Record<string, string | undefined> = process.env,
): Engine {
  const failpoint = failpointFromEnv(env, log);
  const fingerprints = materialFingerprints(dataKey);
  const events = new EventBus();
  const mirror = new GitMirror(path.join(options.dataDir, "materials"));
  const consoles = new ConsoleStore({ root: path.join(options.dataDir, "logs") });
  const artifacts = new ArtifactStore({ root: path.join(options.dataDir, "artifacts") });

  const hooks: LifecycleHooks = {
    jobsScheduled: () => dispatcher.kick("jobs-scheduled"),
    outboxWritten: () => setImmediate(() => outbox.kick()),
    revisionSeen: (url, revision) => dispatcher.prefetch(url, revision, jobsStartedBy(url)),
  };
  const config = new ConfigService({
    sources: options.pipelineSources,
    maxFileBytes: options.configMaxBytes,
    mirror,
    log: log.child({ component: "config" }),
    events,
    onChange: () => {
      watcher.watch(watchedMaterials());
      dispatcher.kick("config-changed");
    },
    onSourcesLoaded: (sources) => auditConfigChanges(db, clock.now(), sources),
  });
  const ctx: EngineContext = {
    options,
    db,
    log,
    events,
    step: (fn) => step(fn),
    config,
    fingerprints,
    serverUrl: "",
    clock,
    now: () => clock.now(),
  };
  const agentTokens = new StepWatchedCache<string, AgentRecord>("agents", currentJobPatch);
  const heldJobs = new StepWatchedCache<number, JobRunRecord>("job_runs");
  const step = stepRunner({
    db,
    caches: [agentTokens, heldJobs] as StepWatchedCache<unknown, object>[],
    services: ctx,
    publish: (event) => events.publish(event),
    log,
    failpoints: failpoint && new FailpointCounter(failpoint),
  });

  /** At most how many jobs a new commit in `url` starts at once: the first stages that check it out. */
  const jobsStartedBy = (url: string): number => {
    let jobs = 0;
    for (const pipeline of config.snapshot().pipelines) {
      const first = pipeline.stages[0];
      const triggered = pipeline.materials.some((m) => m.type === "git" && m.url === url && m.autoUpdate);
      if (!triggered || !first || !first.fetchMaterials || first.approval.type === "manual") continue;
      for (const job of first.jobs)
        jobs += job.runInstances === "all" ? Number.POSITIVE_INFINITY : (job.runInstances ?? 1);
    }
    return jobs;
  };

  const watchedMaterials = () => {
    const seen = new Map<
      string,
      { fingerprint: string; url: string; branch: string; pollIntervalMs: number }
    >();
    for (const pipeline of config.snapshot().pipelines) {
      for (const m of pipeline.materials) {
        if (m.type === "git")
          seen.set(fingerprints.git(m), {
            fingerprint: fingerprints.git(m),
            url: m.url,
            branch: m.branch,
            pollIntervalMs: options.pollIntervalMs,
          });
      }
    }
    return [...seen.values()];
  };

  // A job run's locator never changes, and every report of its agent needs it: remembered once committed
  // (a row read inside a step that rolls back may never exist, and its id may be taken again).
  const locators = new Map<number, JobLocator>();
  const locatorOf = async (job: JobRunRecord, read: ReadContext = ctx): Promise<JobLocator | null> => {
    const known = locators.get(job.id);
    if (known) return known;
    const stage = await findStageRun(read.db, job.stageRunId);
    const run = stage && (await findRunById(read.db, stage.runId));
    if (!stage || !run) return null;
    const locator: JobLocator = {
      pipeline: run.pipeline,
      counter: run.counter,
      stage: stage.name,
      stageCounter: stage.counter,
      job: job.name,
    };
    if ("afterCommit" in read) (read as StepContext).afterCommit(() => rememberLocator(job.id, locator));
    else rememberLocator(job.id, locator);
    return locator;
  };
  const rememberLocator = (jobRunId: number, locator: JobLocator) => {
    if (locators.size >= LOCATOR_CACHE_SIZE) locators.delete(locators.keys().next().value as number);
    locators.set(jobRunId, locator);
  };

  const triggers = new Triggers(ctx, hooks, mirror);
  const outbox = new OutboxWorker(ctx, (row) => triggers.fromOutbox(row));
  const dispatcher = new Dispatcher(ctx, hooks, {
    // Built after the lease's COMMIT: its locator is the one every report of the job will need.
    buildAssignment: async (engineCtx, job, agent, run) => {
      const assignment = await buildAssignment(engineCtx, job, agent, run);
      rememberLocator(job.id, assignment.locator);
      return assignment;
    },
    consoleNote: async (job, text) => {
      const locator = await locatorOf(job);
      if (locator) await consoles.append(locator, Buffer.from(`[fawkes] ${text}\n`), ctx.now());
    },
  });
  const watcher = new MaterialWatcher({
    logger: log.child({ component: "materials" }),
    defaultPollIntervalMs: options.pollIntervalMs,
    // A fetch into the server's mirror instead of `git ls-remote`: one git process tells the new head and
    // brings the commits the trigger needs next (filters, GO_FROM_REVISION), so a commit costs one round trip.
    lsRemote: async (url, branch) => (await mirror.ensure(url)).branchHead(branch),
    onRevision: (fingerprint, sha) => triggers.onGitRevision(fingerprint, sha).then(() => undefined),
    // A push names the repository before our fetch learns the new head: idle agents fetch alongside it.
    onNotified: (material) => dispatcher.prefetch(material.url, undefined, jobsStartedBy(material.url)),
  });

  // Config repositories are watched like materials; a new commit reloads the config.
  const configWatcher = new MaterialWatcher({
    logger: log.child({ component: "config-repos" }),
    defaultPollIntervalMs: options.pollIntervalMs,
    onRevision: () => config.reload(),
  });
  const watchConfigRepositories = async (): Promise<void> => {
    const watched = [];
    for (const source of config.repositorySources()) {
      const [url = source, pinned] = source.split("#");
      const branch = pinned ?? (await remoteDefaultBranch(url).catch(() => null)) ?? "main";
      watched.push({
        fingerprint: fingerprints.configSource(source),
        url,
        branch,
        pollIntervalMs: options.pollIntervalMs,
      });
    }
    configWatcher.watch(watched);
  };

  return {
    ctx,
    hooks,
    config,
    dispatcher,
    agentTokens,
    heldJobs,
    triggers,
    outbox,
    watcher,
    consoles,
    artifacts,
    mirror,
    locatorOf,
    async start() {
      for (const material of await listMaterials(db))
        if (material.lastRevision) watcher.setKnown(material.fingerprint, material.lastRevision);
      await config.reload();
      config.watchDirectories();
      await watchConfigRepositories();
      dispatcher.start();
      // Decisions a crash left in the outbox (a passed stage's downstream runs, changes after an unlock).
      outbox.start();
    },
    async close() {
      config.close();
      await dispatcher.stop();
      await watcher.close();
      await configWatcher.close();
      await consoles.close();
    },
  };
}
