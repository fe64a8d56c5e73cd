/**
 * What an agent reports about the job it holds. Every report names the lease; a report under a lease that
 * is no longer current is refused with FAWKES_LEASE_LOST (fencing: a job reassigned after its agent was
 * lost is never written to by the old agent).
 */
import type { Readable } from "node:stream";
import { jobMachine, nextState, reportEvent, transition } from "@fawkes/core";
import { ErrorCode, FawkesError, type JobLocator, type JobResult } from "@fawkes/protocol";
import type { ReadContext } from "../engine/context.ts";
import type { Engine } from "../engine/engine.ts";
import { insertArtifact } from "../store/materials-repo.ts";
import type { AgentRecord, JobRunRecord } from "../store/records.ts";
import { findJobRun, updateJobRun } from "../store/stages-repo.ts";

/** Agents send at most 4 MiB per console batch; anything far beyond is not an agent of ours. */
const CONSOLE_BATCH_LIMIT = 64 * 1024 * 1024;

export interface HeldJob {
  job: JobRunRecord;
  locator: JobLocator;
}

/**
 * The job run if `agent` holds it under `lease` and it has not completed, else undefined. Read through `read`:
 * the step's context inside a step; outside steps from the engine's cache of job runs (step-watched-cache.ts),
 * which no step that changed the job since can leave stale.
 */
export async function heldJobRun(
  engine: Engine,
  agent: AgentRecord,
  jobRunId: number,
  lease: string | undefined,
  read: ReadContext = engine.ctx,
): Promise<JobRunRecord | undefined> {
  const job =
    read === engine.ctx
      ? await engine.heldJobs.find(jobRunId, (id) => findJobRun(read.db, id))
      : await findJobRun(read.db, jobRunId);
  if (!job || !lease || job.leaseId !== lease || job.agentId !== agent.id || job.state === "completed")
    return undefined;
  return job;
}

export const leaseLost = (jobRunId: number): FawkesError =>
  new FawkesError(
    ErrorCode.leaseLost,
    `the lease on job run ${jobRunId} is no longer held by this agent: stop the job`,
  );

/** The job if `agent` holds it under `lease`, else FAWKES_LEASE_LOST. */
export async function requireLease(
  engine: Engine,
  agent: AgentRecord,
  jobRunId: number,
  lease: string | undefined,
  read: ReadContext = engine.ctx,
): Promise<HeldJob> {
  const job = await heldJobRun(engine, agent, jobRunId, lease, read);
  if (!job) throw leaseLost(jobRunId);
  const locator = await engine.locatorOf(job, read);
  if (!locator) throw new FawkesError(ErrorCode.jobNotFound, `job run ${jobRunId} has no stage`);
  return { job, locator };
}

/**
 * `held`: the job as the route's access check read it. The report first moves the job on from that row with
 * one conditional statement (still that lease, still that state): a transaction of its own, fenced by its
 * WHERE, so it needs no step around it. Only when the job changed in between, or the report repeats one that
 * arrived, is it decided in a step on the committed row.
 */
export async function reportJobState(
  engine: Engine,
  agent: AgentRecord,
  held: JobRunRecord,
  lease: string | undefined,
  state: "preparing" | "building" | "completing",
): Promise<void> {
  const next = nextState(jobMachine, held.state, reportEvent[state]);
  const generation = engine.heldJobs.generation;
  if (
    lease &&
    next !== undefined &&
    (await updateJobRun(engine.ctx.db, held.id, { state: next }, lease, held.state))
  ) {
    engine.heldJobs.update(held.id, { ...held, state: next }, generation);
    const locator = await engine.locatorOf(held);
    if (locator)
      engine.ctx.events.publish({ type: "run", pipeline: locator.pipeline, counter: locator.counter });
    return;
  }
  await engine.ctx.step(async (tx) => {
    const { job, locator } = await requireLease(engine, agent, held.id, lease, tx);
    // An agent repeats a report it is not sure arrived: the same state again changes nothing.
    if (job.state === state) return;
    await updateJobRun(
      tx.db,
      job.id,
      { state: transition(jobMachine, job.state, reportEvent[state]) },
      lease,
    );
    tx.events.publish({ type: "run", pipeline: locator.pipeline, counter: locator.counter });
  });
}

export async function reportJobComplete(
  engine: Engine,
  agent: AgentRecord,
  jobRunId: number,
  lease: string | undefined,
  result: Exclude<JobResult, "unknown">,
): Promise<void> {
  const locator = await engine.ctx.step(async (tx) => {
    const held = await requireLease(engine, agent, jobRunId, lease, tx);
    // A job asked to stop counts as cancelled whatever its tasks returned.
    await engine.dispatcher.completeJob(tx, held.job, held.job.cancelRequested ? "cancelled" : result);
    tx.log.info({ jobRunId, result }, "job completed");
    return held.locator;
  });
  await engine.consoles.finish(locator);
}

/** The console and artifacts of a held job go where its locator says (immutable: cached by the engine). */
async function locatorOfHeld(engine: Engine, job: JobRunRecord): Promise<JobLocator> {
  const locator = await engine.locatorOf(job);
  if (!locator) throw new FawkesError(ErrorCode.jobNotFound, `job run ${job.id} has no stage`);
  return locator;
}

/** `job`: the held job as the route's access check read it (http/access.ts `heldJobOf`). */
export async function appendConsole(
  engine: Engine,
  job: JobRunRecord,
  body: AsyncIterable<Buffer> | Iterable<Buffer>,
  time: number,
  lineTimesHeader?: string,
): Promise<void> {
  const locator = await locatorOfHeld(engine, job);
  // A line cannot have been read after it arrived: a stamp ahead of the server (an agent's clock ahead, an
  // estimate of its skew a little off) is the arrival time.
  const now = engine.ctx.now();
  const stamp = Number.isFinite(time) && time > 0 ? Math.min(time, now) : now;
  const lineTimes = parseLineTimes(lineTimesHeader).map(
    ([offset, at]) => [offset, Math.min(at, now)] as const,
  );
  await engine.consoles.appendStream(locator, body, stamp, CONSOLE_BATCH_LIMIT, lineTimes);
}

/** `offset:epochMs,…` (AgentHeader.consoleLineTimes); what does not parse is dropped (the batch time stays). */
export function parseLineTimes(header: string | undefined): [number, number][] {
  if (!header) return [];
  const pairs: [number, number][] = [];
  for (const pair of header.split(",")) {
    const match = /^\s*(\d+):(\d+)\s*$/.exec(pair);
    if (!match) return [];
    pairs.push([Number(match[1]), Number(match[2])]);
  }
  return pairs;
}

export async function storeArtifact(
  engine: Engine,
  job: JobRunRecord,
  relPath: string,
  body: Readable,
  sha256: string | null,
): Promise<{ path: string; size: number; sha256: string }> {
  const locator = await locatorOfHeld(engine, job);
  const file = await engine.artifacts.write(locator, relPath, body, sha256);
  await insertArtifact(engine.ctx.db, job.id, file, engine.ctx.now());
  return file;
}

export async function isCancelRequested(engine: Engine, jobRunId: number, lease: string): Promise<boolean> {
  const job = await findJobRun(engine.ctx.db, jobRunId);
  return !job || job.leaseId !== lease || job.cancelRequested;
}
