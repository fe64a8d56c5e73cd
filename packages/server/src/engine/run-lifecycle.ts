/**
 * How a pipeline run moves: create → schedule stage → jobs finish → stage result → next stage, approval
 * gate, or run result → unlock → downstream triggers. Every function here runs inside a lifecycle step
 * (step.ts), so all it writes commits together; what must happen outside the database waits for COMMIT
 * (`afterCommit`), and what needs git I/O (downstream pipelines, changes held back by a lock) is written to the
 * outbox in the same transaction (store/outbox-repo.ts) and done by the outbox worker (outbox-worker.ts).
 */
import {
  decisionEvent,
  jobInstanceNames,
  renderLabel,
  runMachine,
  runStateOf,
  stageMachine,
  stageResultOf,
  transition,
  type EventOf,
  type RunState,
  type JobConfig,
  type PipelineConfig,
  type StageConfig,
  type StageJobCounts,
} from "@fawkes/core";
import type { JobResult, TriggerKind } from "@fawkes/protocol";
import type { RunMaterialRecord, RunRecord, StageRunRecord } from "../store/records.ts";
import {
  ensurePipeline,
  findRunById,
  insertRun,
  takeNextCounter,
  updatePipeline,
  updateRun,
} from "../store/runs-repo.ts";
import { insertStageRun, stageJobCounts, updateStageRun } from "../store/stages-repo.ts";
import { listAgents } from "../store/agents-repo.ts";
import type { EngineServices, StepContext } from "./context.ts";
import { dependencyFingerprint } from "./fingerprints.ts";
import { insertOutboxRow } from "../store/outbox-repo.ts";

/** Reactions to run progress that live in other modules (wired in startServer; avoids import cycles). */
export interface LifecycleHooks {
  /** Jobs became scheduled (called after COMMIT). */
  jobsScheduled(): void;
  /** Outbox rows were committed (a stage passed, a pipeline was unlocked): the worker takes them. */
  outboxWritten(): void;
  /** A material moved to a new revision (before any run exists for it). */
  revisionSeen(url: string, revision: string): void;
}

export interface NewRunInput {
  config: PipelineConfig;
  trigger: { kind: TriggerKind; user: string };
  variables: Record<string, string>;
  materials: RunMaterialRecord[];
}

export async function createRun(
  ctx: StepContext,
  hooks: LifecycleHooks,
  input: NewRunInput,
): Promise<RunRecord> {
  const now = ctx.now();
  const pipeline = input.config.name;
  const counter = await takeNextCounter(
    ctx.db,
    pipeline,
    { lock: input.config.lockBehavior !== "none" },
    now,
  );
  const revisions = Object.fromEntries(input.materials.map((m) => [m.material, m.revision]));
  const label = renderLabel(input.config.labelTemplate, { count: counter, revisions, env: {} });
  const run = await insertRun(ctx.db, {
    pipeline,
    counter,
    label,
    trigger: input.trigger,
    config: input.config,
    variables: input.variables,
    createdAt: now,
    materials: input.materials,
  });
  const first = input.config.stages[0];
  if (first)
    await scheduleStage(ctx, hooks, run, 0, {
      runEvent: "advance",
      approvedBy: input.trigger.user,
      rerunOfCounter: null,
      runJustCreated: true,
    });
  ctx.log.info(
    { pipeline: run.pipeline, counter, label, trigger: input.trigger.kind },
    "pipeline run created",
  );
  ctx.events.publish({ type: "run", pipeline: run.pipeline, counter });
  return run;
}

/** Expands `run_instances` into job runs, as GoCD does (`all` reads the agents only when asked for). */
async function jobInstances(
  ctx: StepContext,
  job: JobConfig,
): Promise<{ name: string; resources: string[] }[]> {
  const agents = job.runInstances === "all" ? await listAgents(ctx.db) : [];
  return jobInstanceNames(job, agents).map((name) => ({ name, resources: job.resources }));
}

export type RunEvent = EventOf<typeof runMachine>;

export interface ScheduleStageOptions {
  /** Why the stage is scheduled: the run's next stage (or first), an approval, or a rerun. */
  runEvent: Extract<RunEvent, "advance" | "approve" | "rerun">;
  approvedBy: string | null;
  rerunOfCounter: number | null;
  /** The run was inserted in this step as building with no gate: its state has nothing to change. */
  runJustCreated?: boolean;
  /** For a rerun of selected jobs: jobs not listed keep their previous result. */
  onlyJobs?: { rerun: Set<string>; previous: Map<string, JobResult> };
}

export async function scheduleStage(
  ctx: StepContext,
  hooks: LifecycleHooks,
  run: RunRecord,
  stageIndex: number,
  options: ScheduleStageOptions,
): Promise<StageRunRecord> {
  const stage = run.config.stages[stageIndex] as StageConfig;
  // Refuse before anything is written.
  const runState = transition(runMachine, runStateOf(run), options.runEvent);
  const jobs: { name: string; resources: string[]; copiedResult?: JobResult }[] = [];
  for (const job of stage.jobs) {
    for (const instance of await jobInstances(ctx, job)) {
      const previous = options.onlyJobs?.previous.get(instance.name);
      const keep =
        options.onlyJobs &&
        !options.onlyJobs.rerun.has(instance.name) &&
        !options.onlyJobs.rerun.has(job.name);
      jobs.push(keep && previous ? { ...instance, copiedResult: previous } : instance);
    }
  }
  const now = ctx.now();
  const stageRun = await insertStageRun(ctx.db, {
    runId: run.id,
    pipeline: run.pipeline,
    pipelineCounter: run.counter,
    name: stage.name,
    stageIndex,
    approvalType: stage.approval.type,
    approvedBy: options.approvedBy,
    rerunOfCounter: options.rerunOfCounter,
    scheduledAt: now,
    jobs,
  });
  if (!options.runJustCreated) await writeRunState(ctx, run, runState, null);
  ctx.log.info(
    { pipeline: run.pipeline, counter: run.counter, stage: stage.name, stageCounter: stageRun.counter },
    "stage scheduled",
  );
  ctx.afterCommit(hooks.jobsScheduled);
  // A stage whose jobs all wait to run is building: only copied results (or no jobs) can decide it now.
  if (jobs.length === 0 || jobs.some((job) => job.copiedResult !== undefined))
    await evaluateStage(ctx, hooks, stageRun);
  return stageRun;
}

/** Called whenever a job of the stage completes; decides the stage and, from it, the run. */
export async function evaluateStage(
  ctx: StepContext,
  hooks: LifecycleHooks,
  stageRun: StageRunRecord,
  counts?: StageJobCounts,
): Promise<void> {
  const result = stageResultOf(counts ?? (await stageJobCounts(ctx.db, stageRun.id)));
  if (result === "building") return;
  const stageResult = transition(stageMachine, stageRun.result, decisionEvent[result]);
  const run = await findRunById(ctx.db, stageRun.runId);
  const next = run?.config.stages[stageRun.stageIndex + 1];
  const runEvent: RunEvent =
    result !== "passed"
      ? decisionEvent[result]
      : !next
        ? "pass"
        : next.approval.type === "success"
          ? "advance"
          : "awaitApproval";
  // Refuse before anything is written: the stage is decided only if its run can take the decision.
  if (run) transition(runMachine, runStateOf(run), runEvent);
  const now = ctx.now();
  await updateStageRun(ctx.db, stageRun.id, { result: stageResult, completedAt: now });
  if (!run) return;
  ctx.log.info(
    { pipeline: run.pipeline, counter: run.counter, stage: stageRun.name, result },
    "stage completed",
  );
  ctx.events.publish({ type: "run", pipeline: run.pipeline, counter: run.counter });
  if (result === "passed") await stagePassed(ctx, hooks, run, stageRun);
  if (runEvent === "advance") {
    await scheduleStage(ctx, hooks, run, stageRun.stageIndex + 1, {
      runEvent,
      approvedBy: "changes",
      rerunOfCounter: null,
    });
  } else if (runEvent === "awaitApproval") {
    await writeRunState(ctx, run, transition(runMachine, runStateOf(run), runEvent), next?.name ?? null);
    // A run that stops at a manual gate no longer holds the pipeline lock.
    await releaseLock(ctx, hooks, run, "passed");
  } else {
    await finishRun(ctx, hooks, run, runEvent);
  }
}

async function finishRun(
  ctx: StepContext,
  hooks: LifecycleHooks,
  run: RunRecord,
  event: "pass" | "fail" | "cancel",
): Promise<void> {
  const result = transition(runMachine, runStateOf(run), event);
  await writeRunState(ctx, run, result, null);
  ctx.log.info({ pipeline: run.pipeline, counter: run.counter, result }, "pipeline run completed");
  await releaseLock(ctx, hooks, run, result);
  ctx.events.publish({ type: "run", pipeline: run.pipeline, counter: run.counter });
}

/**
 * Writes a run's state (from `transition(runMachine, ...)`) into the columns that hold it: awaitingApproval is
 * result building plus the gate's stage; a finished run gets its completion time.
 */
export async function writeRunState(
  ctx: StepContext,
  run: RunRecord,
  state: RunState,
  awaitingStage: string | null,
): Promise<void> {
  const finished = state === "passed" || state === "failed" || state === "cancelled";
  await updateRun(ctx.db, run.id, {
    result: state === "awaitingApproval" ? "building" : state,
    awaitingStage: state === "awaitingApproval" ? awaitingStage : null,
    completedAt: finished ? ctx.now() : null,
  });
}

async function releaseLock(
  ctx: StepContext,
  hooks: LifecycleHooks,
  run: RunRecord,
  result: string,
): Promise<void> {
  const behavior = run.config.lockBehavior;
  if (behavior === "none") return;
  if (behavior === "lockOnFailure" && result !== "passed") return;
  const pipeline = await ensurePipeline(ctx.db, run.pipeline, ctx.now());
  if (pipeline.lockedByCounter !== run.counter) return;
  await updatePipeline(ctx.db, run.pipeline, { lockedByCounter: null }, ctx.now());
  ctx.events.publish({ type: "pipeline", pipeline: run.pipeline });
  // Changes that arrived while the run held the lock run now: decided here, done by the outbox worker.
  await insertOutboxRow(ctx.db, {
    kind: "changes",
    pipeline: run.pipeline,
    stageRunId: null,
    createdAt: ctx.now(),
  });
  ctx.afterCommit(hooks.outboxWritten);
}

/**
 * A passed stage starts the pipelines that depend on it: written to the outbox in the stage's transaction, so
 * the decision survives a crash; the worker finds the pipelines (outbox-worker.ts) and creates their runs.
 * Nothing is written when the live config has the pipeline and nothing depends on the stage (the common case);
 * a config not loaded yet (a server just started) cannot tell, so the row is written and read later.
 */
async function stagePassed(
  ctx: StepContext,
  hooks: LifecycleHooks,
  run: RunRecord,
  stageRun: StageRunRecord,
): Promise<void> {
  const known = ctx.config.pipeline(run.pipeline) !== undefined;
  if (known && downstreamOf(ctx, run.pipeline, stageRun.name).length === 0) return;
  await insertOutboxRow(ctx.db, {
    kind: "stage-passed",
    pipeline: run.pipeline,
    stageRunId: stageRun.id,
    createdAt: ctx.now(),
  });
  ctx.afterCommit(hooks.outboxWritten);
}

/** The pipelines that a passed stage run starts: those with a dependency material on it. */
export function downstreamOf(ctx: EngineServices, pipeline: string, stage: string): string[] {
  const fingerprint = dependencyFingerprint({ pipeline, stage });
  return ctx.config
    .snapshot()
    .pipelines.filter((config) =>
      config.materials.some(
        (m) => m.type === "dependency" && !m.ignoreForScheduling && dependencyFingerprint(m) === fingerprint,
      ),
    )
    .map((config) => config.name);
}
