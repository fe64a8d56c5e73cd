/**
 * Turns a scheduled job into the fully resolved JobAssignment the agent runs: environment, checkouts,
 * tasks with fetches pinned to exact upstream job runs, artifact specs. The agent never reads config.
 */
import {
  buildJobEnvironment,
  resolveTriggerVariables,
  type FetchTaskConfig,
  type JobConfig,
  type TaskConfig,
} from "@fawkes/core";
import {
  ErrorCode,
  FawkesError,
  type JobAssignment,
  type JobLocator,
  type LeaseId,
  type JobRunId,
  type Task,
} from "@fawkes/protocol";
import { redactUrl, splitCredentials } from "../materials/index.ts";
import { auditTarget, recordAudit } from "../services/audit.ts";
import type { AgentRecord, JobRunRecord, RunRecord } from "../store/records.ts";
import { findRunById, runMaterials } from "../store/runs-repo.ts";
import { findStageRun, stageRunsOfRun } from "../store/stages-repo.ts";
import type { EngineContext, ReadContext } from "./context.ts";

/** The configured job a job run instance (`name-runInstance-2`) comes from. */
export function jobConfigOf(
  run: RunRecord,
  stageName: string,
  jobName: string,
): { job: JobConfig; index: number; count: number } {
  const stage = run.config.stages.find((s) => s.name === stageName);
  const exact = stage?.jobs.find((j) => j.name === jobName);
  if (exact) return { job: exact, index: 1, count: 1 };
  const match = /^(.*)-(runInstance|runOnAll)-(\d+)$/.exec(jobName);
  const job = match && stage?.jobs.find((j) => j.name === match[1]);
  if (!job || !match)
    throw new FawkesError(ErrorCode.jobNotFound, `job ${jobName} is not in stage ${stageName}`);
  return { job, index: Number(match[3]), count: typeof job.runInstances === "number" ? job.runInstances : 0 };
}

/** Follows a GoCD fetch path (`grandparent/parent`) up the dependency materials to the exact job run. */
async function resolveFetch(ctx: ReadContext, run: RunRecord, task: FetchTaskConfig): Promise<JobLocator> {
  let target = run;
  let dependencyStage: { name: string; counter: number } | null = null;
  const path =
    task.pipelinePath && task.pipelinePath !== run.pipeline ? task.pipelinePath.split("/").reverse() : [];
  for (const upstream of path) {
    const material = (await runMaterials(ctx.db, target.id)).find(
      (m) => m.type === "dependency" && m.revision.startsWith(`${upstream}/`),
    );
    const next =
      material?.upstreamRunId != null ? await findRunById(ctx.db, material.upstreamRunId) : undefined;
    if (!material || !next)
      throw new FawkesError(
        ErrorCode.artifactNotFound,
        `fetch: ${upstream} is not an upstream of ${target.pipeline}`,
      );
    const [, , stageName, stageCounter] = material.revision.split("/");
    dependencyStage = { name: stageName ?? "", counter: Number(stageCounter) };
    target = next;
  }
  const stages = (await stageRunsOfRun(ctx.db, target.id)).filter((s) => s.name === task.stage);
  const stage =
    dependencyStage?.name === task.stage
      ? stages.find((s) => s.counter === dependencyStage.counter)
      : stages.at(-1);
  if (!stage)
    throw new FawkesError(
      ErrorCode.artifactNotFound,
      `fetch: stage ${task.stage} has not run in ${target.pipeline} ${target.counter}`,
    );
  return {
    pipeline: target.pipeline,
    counter: target.counter,
    stage: stage.name,
    stageCounter: stage.counter,
    job: task.job,
  };
}

/** One job run a job's fetch task reads from: its build artifacts, or one of its external artifacts. */
export interface FetchSource {
  from: JobLocator;
  /** The external artifact's id for `artifact_origin: external`; null for build artifacts. */
  externalArtifactId: string | null;
  /** The build artifact path the fetch names (a file or a directory); null for an external artifact. */
  source: string | null;
}

/**
 * Every job run that `job`'s fetch tasks (their `on_cancel` tasks included) read from: all that the agent
 * holding its lease may read. A fetch that no longer resolves is left out (it fails on the agent anyway).
 */
export async function fetchSourcesOf(ctx: ReadContext, job: JobRunRecord): Promise<FetchSource[]> {
  const run = await findRunById(ctx.db, job.runId);
  const stageRun = await findStageRun(ctx.db, job.stageRunId);
  const stage = stageRun && run?.config.stages[stageRun.stageIndex];
  if (!run || !stage) return [];
  const fetchesOf = (tasks: readonly TaskConfig[]): FetchTaskConfig[] =>
    tasks.flatMap((task) => [
      ...(task.kind === "fetch" ? [task] : []),
      ...(task.onCancel ? fetchesOf([task.onCancel]) : []),
    ]);
  const sources: FetchSource[] = [];
  for (const task of fetchesOf(jobConfigOf(run, stage.name, job.name).job.tasks)) {
    try {
      sources.push({
        from: await resolveFetch(ctx, run, task),
        externalArtifactId: task.external?.artifactId ?? null,
        source: task.external ? null : task.source,
      });
    } catch (error) {
      if (!(error instanceof FawkesError)) throw error;
    }
  }
  return sources;
}

async function resolveTask(ctx: ReadContext, run: RunRecord, task: TaskConfig): Promise<Task> {
  const onCancel = task.onCancel ? await resolveTask(ctx, run, task.onCancel) : null;
  if (task.kind === "exec") {
    return {
      kind: "exec",
      command: task.command,
      arguments: task.arguments,
      workingDirectory: task.workingDirectory,
      runIf: task.runIf,
      onCancel,
    };
  }
  if (task.external) {
    // An external artifact is named by its id; the agent reads it through the external-artifacts routes.
    return {
      kind: "fetch",
      from: await resolveFetch(ctx, run, task),
      source: task.external.artifactId,
      destination: task.destination,
      isFile: false,
      external: { artifactId: task.external.artifactId },
      runIf: task.runIf,
      onCancel,
    };
  }
  return {
    kind: "fetch",
    from: await resolveFetch(ctx, run, task),
    source: task.source,
    destination: task.destination,
    isFile: task.isFile,
    runIf: task.runIf,
    onCancel,
  };
}

/**
 * `secret.read`: the agent is about to receive the job's secrets — its secure variables and the credentials of
 * its git materials. Recorded by name (never a value) before the assignment leaves, every time it does (a
 * resumed job is sent again); a job with no secrets adds nothing.
 */
async function auditSecretsRead(
  ctx: EngineContext,
  agent: AgentRecord,
  job: JobRunRecord,
  locator: JobLocator,
  environment: readonly { name: string; secure: boolean }[],
  run: RunRecord,
): Promise<void> {
  const variables = environment.filter((v) => v.secure).map((v) => v.name);
  const materials = run.config.materials.flatMap((m) =>
    m.type === "git" && splitCredentials(m.url).credentials
      ? [m.name !== "" ? m.name : redactUrl(m.url)]
      : [],
  );
  if (variables.length === 0 && materials.length === 0) return;
  await recordAudit(ctx.db, {
    actor: { kind: "agent", name: agent.name },
    action: "secret.read",
    target: auditTarget.job(locator),
    details: { variables: variables.sort(), materials: materials.sort(), attempt: job.attempts },
    at: ctx.now(),
  });
}

/** Outside any step: with a cloud endpoint it writes the job's access key. */
export async function buildAssignment(
  ctx: EngineContext,
  job: JobRunRecord,
  agent: AgentRecord,
  known?: RunRecord,
): Promise<JobAssignment> {
  const run = known?.id === job.runId ? known : await findRunById(ctx.db, job.runId);
  const stageRun = await findStageRun(ctx.db, job.stageRunId);
  if (!run || !stageRun || !job.leaseId)
    throw new FawkesError(ErrorCode.jobNotFound, `job run ${job.id} is not assignable`);
  const stage = run.config.stages[stageRun.stageIndex];
  if (!stage)
    throw new FawkesError(ErrorCode.stageNotFound, `stage ${stageRun.name} is not in the run's config`);
  const { job: jobConfig, index, count } = jobConfigOf(run, stage.name, job.name);
  const materials = await runMaterials(ctx.db, run.id);
  const upstreamLabels = new Map<number, string>();
  for (const m of materials) {
    if (m.upstreamRunId !== null)
      upstreamLabels.set(m.upstreamRunId, (await findRunById(ctx.db, m.upstreamRunId))?.label ?? "");
  }
  const environmentConfig = ctx.config.environment(run.config.environment) ?? null;
  const environment = buildJobEnvironment({
    serverUrl: ctx.serverUrl,
    pipeline: run.config,
    stage,
    job: jobConfig,
    jobName: job.name,
    counter: run.counter,
    label: run.label,
    stageCounter: stageRun.counter,
    rerunOfStageCounter: stageRun.rerunOfCounter,
    triggerUser: run.trigger.user,
    runIndex: index,
    runCount: count,
    agentResources: agent.resources,
    // Secure when any level of the pipeline declares the variable secure, not only this job's levels.
    triggerVariables: resolveTriggerVariables(run.config, environmentConfig, run.variables).variables,
    environment: environmentConfig,
    materials: materials.map((m) => {
      const config = run.config.materials.find((c) => c.name === m.material);
      return {
        name: m.material,
        type: m.type,
        url: config?.type === "git" ? config.url : null,
        branch: config?.type === "git" ? config.branch : null,
        destination: config?.type === "git" ? config.destination : null,
        revision: m.revision,
        fromRevision: m.fromRevision,
        changed: m.changed,
        upstreamPipeline: config?.type === "dependency" ? config.pipeline : null,
        upstreamLabel: m.upstreamRunId !== null ? (upstreamLabels.get(m.upstreamRunId) ?? null) : null,
        upstreamLocator: m.type === "dependency" ? m.revision : null,
      };
    }),
  });
  const locator: JobLocator = {
    pipeline: run.pipeline,
    counter: run.counter,
    stage: stage.name,
    stageCounter: stageRun.counter,
    job: job.name,
  };
  await auditSecretsRead(ctx, agent, job, locator, environment, run);
  const timeoutMinutes = jobConfig.timeoutMinutes ?? ctx.options.defaultJobTimeoutMinutes;
  if (ctx.cloud) {
    const owner = {
      jobRunId: job.id,
      leaseId: job.leaseId,
      pipeline: run.pipeline,
      counter: run.counter,
      stage: stage.name,
      job: job.name,
    };
    environment.push(...(await ctx.cloud.jobEnvironment(owner, environment)));
  }
  // `id_tokens:`: secure, so the agent masks them; a name the job also declares is refused by the config.
  for (const { variable, audiences } of jobConfig.idTokens ?? []) {
    if (!ctx.oidc) throw new FawkesError(ErrorCode.notFound, "this server runs no OIDC issuer");
    const { token } = await ctx.oidc.tokenFor(ctx, job, audiences, {
      actor: { kind: "agent", name: agent.name },
    });
    environment.push({ name: variable, value: token, secure: true });
  }
  return {
    leaseId: job.leaseId as LeaseId,
    jobRunId: job.id as JobRunId,
    locator,
    label: run.label,
    environment,
    materials: run.config.materials.flatMap((config) => {
      const m = materials.find((row) => row.material === config.name);
      if (config.type !== "git" || !m) return [];
      // The URL goes without its credentials (it names the agent's mirror and is written to the workspace);
      // they travel beside it, for this job only.
      const remote = splitCredentials(config.url);
      return [
        {
          name: config.name,
          url: remote.url,
          ...(remote.credentials ? { credentials: remote.credentials } : {}),
          branch: config.branch,
          revision: m.revision,
          destination: config.destination,
          shallowClone: config.shallowClone,
        },
      ];
    }),
    fetchMaterials: stage.fetchMaterials,
    cleanWorkspace: stage.cleanWorkspace,
    tasks: await Promise.all(jobConfig.tasks.map((task) => resolveTask(ctx, run, task))),
    artifacts: jobConfig.artifacts.map((a) => ({
      type: a.type,
      source: a.source,
      destination: a.destination,
    })),
    ...(jobConfig.externalArtifacts?.length
      ? {
          externalArtifacts: jobConfig.externalArtifacts.map((a) => ({
            id: a.id,
            source: a.source,
            destination: a.destination,
          })),
        }
      : {}),
    noOutputTimeoutMs: timeoutMinutes > 0 ? timeoutMinutes * 60_000 : null,
  };
}
