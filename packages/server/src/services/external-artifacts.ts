/**
 * GoCD `external` artifacts on Fawkes's S3 artifact stores. The agent knows no AWS: it streams each file to
 * the server, which puts it into the store's bucket on the cloud endpoint through the S3 API (as any S3 client
 * would, so a store could later be a real S3 service), and records it; fetches list those records and stream
 * the objects back. The AWS SDK is loaded on first use, keeping it off the server's start-up path.
 */
import { createHash } from "node:crypto";
import { Readable, Transform } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import type { ExternalArtifactConfig } from "@fawkes/core";
import { ErrorCode, FawkesError, type ArtifactManifest, type JobLocator } from "@fawkes/protocol";
import { ADMIN_POLICY } from "../cloud/access-keys.ts";
import { CLOUD_REGION } from "../cloud/runtime.ts";
import { jobConfigOf } from "../engine/assignment.ts";
import type { Engine } from "../engine/engine.ts";
import {
  externalArtifactFiles,
  upsertExternalArtifactFile,
  type ExternalArtifactFileRecord,
} from "../store/external-artifacts-repo.ts";
import type { AgentRecord, JobRunRecord } from "../store/records.ts";
import { findRun, findRunById } from "../store/runs-repo.ts";
import { activeJobRuns, jobRunsOfStages, stageRunsOfRun } from "../store/stages-repo.ts";
import { requireLease } from "./job-reports.ts";

type S3Sdk = typeof import("@aws-sdk/client-s3");
let sdk: Promise<S3Sdk> | undefined;
const loadSdk = (): Promise<S3Sdk> => (sdk ??= import("@aws-sdk/client-s3"));

/** A job key lives with its lease; keep at most this many clients (one per running job) cached. */
const CLIENT_CACHE_MAX = 64;
const JOB_KEY_LIFETIME_MS = 12 * 60 * 60 * 1000;

interface EngineS3 {
  clients: Map<string, S3Client>;
  buckets: Set<string>;
}
const perEngine = new WeakMap<Engine, EngineS3>();

/** An S3 client signed with a key of `job` (valid only while its lease lives, like the job's own AWS key). */
async function s3For(
  engine: Engine,
  job: JobRunRecord,
): Promise<{ s3: S3Client; sdk: S3Sdk; state: EngineS3 }> {
  const cloud = engine.ctx.cloud;
  if (!cloud)
    throw new FawkesError(ErrorCode.unavailable, "the cloud endpoint is not running: no artifact store");
  let state = perEngine.get(engine);
  if (!state) perEngine.set(engine, (state = { clients: new Map(), buckets: new Set() }));
  const s3Sdk = await loadSdk();
  const cacheKey = `${job.id}/${job.leaseId}`;
  let s3 = state.clients.get(cacheKey);
  if (!s3) {
    // The server's keys for jobs die with their leases (refused from then on): those left are removed here, as
    // a new one is made, not on every job's assignment.
    await cloud.accessKeys.purgeDeadJobKeys();
    const { created } = await cloud.accessKeys.create({
      name: `external-artifacts-${job.id}`,
      policy: ADMIN_POLICY,
      expiresAt: engine.ctx.now() + JOB_KEY_LIFETIME_MS,
      job: { jobRunId: job.id, leaseId: job.leaseId ?? "" },
    });
    s3 = new s3Sdk.S3Client({
      endpoint: cloud.url,
      region: CLOUD_REGION,
      forcePathStyle: true,
      credentials: created,
      maxAttempts: 2,
    });
    if (state.clients.size >= CLIENT_CACHE_MAX) {
      const [oldest, client] = state.clients.entries().next().value!;
      client.destroy();
      state.clients.delete(oldest);
    }
    state.clients.set(cacheKey, s3);
  }
  return { s3, sdk: s3Sdk, state };
}

async function ensureBucket(s3: S3Client, s3Sdk: S3Sdk, state: EngineS3, bucket: string): Promise<void> {
  if (state.buckets.has(bucket)) return;
  try {
    await s3.send(new s3Sdk.HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw error;
    try {
      await s3.send(new s3Sdk.CreateBucketCommand({ Bucket: bucket }));
    } catch (createError) {
      // Another upload created it first.
      if ((createError as Error).name !== "BucketAlreadyOwnedByYou") throw createError;
    }
  }
  state.buckets.add(bucket);
}

/** A `/`-separated relative path that stays inside the artifact (no empty, `.` or `..` segment). */
function checkedPath(path: string): string {
  const segments = path.split("/");
  if (path === "" || path.includes("\0") || segments.some((s) => s === "" || s === "." || s === ".."))
    throw new FawkesError(ErrorCode.pathEscape, `invalid external artifact path '${path}'`);
  return path;
}

/** `<prefix>/<pipeline>/<counter>/<stage>/<stageCounter>/<job>/<artifact id>/<path>`. */
export function externalObjectKey(
  prefix: string,
  locator: JobLocator,
  artifactId: string,
  path: string,
): string {
  const parts = [locator.pipeline, locator.counter, locator.stage, locator.stageCounter, locator.job];
  return [prefix, ...parts.map(String), artifactId, path].filter((part) => part !== "").join("/");
}

async function publishedArtifact(
  engine: Engine,
  job: JobRunRecord,
  locator: JobLocator,
  artifactId: string,
): Promise<ExternalArtifactConfig> {
  const run = await findRunById(engine.ctx.db, job.runId);
  const config = run && jobConfigOf(run, locator.stage, job.name).job;
  const artifact = config?.externalArtifacts?.find((a) => a.id === artifactId);
  if (!artifact)
    throw new FawkesError(
      ErrorCode.artifactNotFound,
      `job ${job.name} publishes no external artifact '${artifactId}'`,
    );
  return artifact;
}

/** PUT /agent/v1/jobs/:jobRunId/external-artifacts/<artifact id>/<path>: streams one file into the store. */
export async function storeExternalArtifactFile(
  engine: Engine,
  agent: AgentRecord,
  request: {
    jobRunId: number;
    lease: string | undefined;
    artifactId: string;
    path: string;
    body: Readable;
    sha256: string | null;
    size: number;
  },
): Promise<{ artifactId: string; bucket: string; key: string; size: number; sha256: string }> {
  const { job, locator } = await requireLease(engine, agent, request.jobRunId, request.lease);
  const artifact = await publishedArtifact(engine, job, locator, request.artifactId);
  const path = checkedPath(request.path);
  if (!Number.isSafeInteger(request.size) || request.size < 0)
    throw new FawkesError(ErrorCode.lengthRequired, "an external artifact upload needs content-length");
  const { s3, sdk: s3Sdk, state } = await s3For(engine, job);
  await ensureBucket(s3, s3Sdk, state, artifact.bucket);
  const key = externalObjectKey(artifact.prefix, locator, artifact.id, path);
  const hash = createHash("sha256");
  let size = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  request.body.on("error", (error) => counted.destroy(error));
  request.body.pipe(counted);
  await s3.send(
    new s3Sdk.PutObjectCommand({
      Bucket: artifact.bucket,
      Key: key,
      Body: counted,
      ContentLength: request.size,
      ContentType: "application/octet-stream",
    }),
  );
  const sha256 = hash.digest("hex");
  if (size !== request.size || (request.sha256 !== null && request.sha256 !== sha256)) {
    await s3.send(new s3Sdk.DeleteObjectCommand({ Bucket: artifact.bucket, Key: key }));
    throw new FawkesError(
      ErrorCode.checksumMismatch,
      `external artifact ${path}: expected ${request.sha256 ?? "?"} (${request.size} bytes), got ${sha256} (${size} bytes)`,
    );
  }
  await upsertExternalArtifactFile(engine.ctx.db, {
    jobRunId: job.id,
    artifactId: artifact.id,
    storeId: artifact.storeId,
    bucket: artifact.bucket,
    objectKey: key,
    path,
    size,
    sha256,
    createdAt: engine.ctx.now(),
  });
  return { artifactId: artifact.id, bucket: artifact.bucket, key, size, sha256 };
}

/** The job run a fetching agent holds with `lease` (its key reads the store). */
async function fetchingJob(
  engine: Engine,
  agent: AgentRecord,
  lease: string | undefined,
): Promise<JobRunRecord> {
  const job = (await activeJobRuns(engine.ctx.db)).find((j) => j.agentId === agent.id && j.leaseId === lease);
  if (!job || !lease)
    throw new FawkesError(ErrorCode.leaseLost, "the lease is no longer held by this agent: stop the job");
  return job;
}

async function filesOf(
  engine: Engine,
  locator: JobLocator,
  artifactId: string,
): Promise<ExternalArtifactFileRecord[]> {
  const { db } = engine.ctx;
  const run = await findRun(db, locator.pipeline, locator.counter);
  const stage = run
    ? (await stageRunsOfRun(db, run.id)).find(
        (s) => s.name === locator.stage && s.counter === locator.stageCounter,
      )
    : undefined;
  const job = stage ? (await jobRunsOfStages(db, [stage.id])).find((j) => j.name === locator.job) : undefined;
  const files = job ? await externalArtifactFiles(db, job.id, artifactId) : [];
  if (files.length === 0)
    throw new FawkesError(
      ErrorCode.artifactNotFound,
      `no external artifact '${artifactId}' in ${locator.pipeline}/${locator.counter}/${locator.stage}/${locator.stageCounter}/${locator.job}`,
    );
  return files;
}

/** GET /agent/v1/external-artifacts/<locator>/<artifact id>/manifest. */
export async function externalArtifactManifest(
  engine: Engine,
  agent: AgentRecord,
  lease: string | undefined,
  locator: JobLocator,
  artifactId: string,
): Promise<ArtifactManifest> {
  await fetchingJob(engine, agent, lease);
  const files = await filesOf(engine, locator, artifactId);
  return { files: files.map(({ path, size, sha256 }) => ({ path, size, sha256 })) };
}

/** GET …/files/<path>: the object streamed from the store, with its recorded size and SHA-256. */
export async function openExternalArtifactFile(
  engine: Engine,
  agent: AgentRecord,
  lease: string | undefined,
  locator: JobLocator,
  artifactId: string,
  path: string,
): Promise<{ size: number; sha256: string; body: Readable }> {
  const job = await fetchingJob(engine, agent, lease);
  const file = (await filesOf(engine, locator, artifactId)).find((f) => f.path === path);
  if (!file)
    throw new FawkesError(
      ErrorCode.artifactNotFound,
      `no file '${path}' in external artifact '${artifactId}'`,
    );
  const { s3, sdk: s3Sdk } = await s3For(engine, job);
  const object = await s3.send(new s3Sdk.GetObjectCommand({ Bucket: file.bucket, Key: file.objectKey }));
  if (!(object.Body instanceof Readable))
    throw new FawkesError(ErrorCode.badGateway, `the artifact store returned no body for ${file.objectKey}`);
  return { size: file.size, sha256: file.sha256, body: object.Body };
}
