/**
 * The claims of a job's ID token: who it is (`sub` = `pipeline:NAME:stage:STAGE:job:JOB`), which run, what
 * started it, the material revisions it builds, and the SHA-256 of every upstream artifact file its fetch tasks
 * name, as the server recorded them at upload.
 *
 * `fetched_artifacts` is what the job's fetch tasks fetch (or will fetch), resolved when the token is issued: a
 * token issued before a fetch task ran already lists that task's files, and the agent checks each file it
 * downloads against the same SHA-256. External artifacts (`artifact_origin: external`) are not listed.
 */
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { ArtifactStore } from "../../artifacts/index.ts";
import { fetchSourcesOf } from "../../engine/assignment.ts";
import type { ReadContext } from "../../engine/context.ts";
import { splitCredentials } from "../../materials/index.ts";
import { findAgentById } from "../../store/agents-repo.ts";
import type { JobRunRecord } from "../../store/records.ts";
import { findRunById, runMaterials } from "../../store/runs-repo.ts";
import { findStageRun } from "../../store/stages-repo.ts";
import type { JobClaims } from "./issuer.ts";

/** `pipeline:NAME:stage:STAGE:job:JOB`: the subject trust policies match (docs/identity.md). */
export const jobSubject = (pipeline: string, stage: string, job: string): string =>
  `pipeline:${pipeline}:stage:${stage}:job:${job}`;

export interface FetchedArtifactClaim {
  /** The upstream job run: `PIPELINE/COUNTER/STAGE/STAGE_COUNTER/JOB`. */
  job: string;
  path: string;
  sha256: string;
}

export async function jobClaims(
  ctx: ReadContext,
  artifacts: ArtifactStore,
  job: JobRunRecord,
): Promise<JobClaims> {
  const run = await findRunById(ctx.db, job.runId);
  const stageRun = await findStageRun(ctx.db, job.stageRunId);
  if (!run || !stageRun) throw new FawkesError(ErrorCode.jobNotFound, `job run ${job.id} has no run`);
  const agent = job.agentId === null ? undefined : await findAgentById(ctx.db, job.agentId);
  const materials = (await runMaterials(ctx.db, run.id)).map((m) => {
    const config = run.config.materials.find((c) => c.name === m.material);
    return config?.type === "git"
      ? {
          name: m.material,
          type: "git",
          url: splitCredentials(config.url).url,
          branch: config.branch,
          revision: m.revision,
        }
      : { name: m.material, type: m.type, revision: m.revision };
  });
  const fetched: FetchedArtifactClaim[] = [];
  const seen = new Set<string>();
  for (const source of await fetchSourcesOf(ctx, job)) {
    if (source.source === null) continue;
    const { pipeline, counter, stage, stageCounter, job: upstreamJob } = source.from;
    const name = `${pipeline}/${counter}/${stage}/${stageCounter}/${upstreamJob}`;
    for (const file of await artifacts.list(source.from, source.source)) {
      if (seen.has(`${name}\0${file.path}`)) continue;
      seen.add(`${name}\0${file.path}`);
      fetched.push({ job: name, path: file.path, sha256: file.sha256 });
    }
  }
  return {
    sub: jobSubject(run.pipeline, stageRun.name, job.name),
    pipeline: run.pipeline,
    pipeline_counter: run.counter,
    pipeline_label: run.label,
    stage: stageRun.name,
    stage_counter: stageRun.counter,
    job: job.name,
    job_run_id: job.id,
    agent: agent?.name ?? null,
    trigger: run.trigger.kind,
    trigger_user: run.trigger.user,
    materials,
    fetched_artifacts: fetched,
  };
}
