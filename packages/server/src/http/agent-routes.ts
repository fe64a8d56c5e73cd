/** The agent protocol under /agent/v1 (see packages/protocol/src/agent-wire.ts for the contract). */
import { Readable } from "node:stream";
import {
  AgentHeader,
  ErrorCode,
  FawkesError,
  HeartbeatRequest,
  JobCompleteReport,
  JobStateReport,
  RegisterRequest,
  WorkRequest,
  type JobLocator,
  type LeaseId,
} from "@fawkes/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../engine/engine.ts";
import type { ServerKeys } from "../keys.ts";
import { findAgentByTokenHash } from "../store/agents-repo.ts";
import type { AgentRecord } from "../store/records.ts";
import { activeJobRuns } from "../store/stages-repo.ts";
import {
  appendConsole,
  isCancelRequested,
  reportJobComplete,
  reportJobState,
  requireLease,
  storeArtifact,
} from "../services/job-reports.ts";
import { hashToken, registerAgent } from "../services/register-agent.ts";
import { agentExternalRoutes } from "./agent-external-routes.ts";
import { whenDisconnected } from "./disconnect-signal.ts";
import { intParam, parse } from "./problem.ts";

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export function agentRoutes(app: FastifyInstance, engine: Engine, keys: ServerKeys): void {
  // Console and artifact bodies are streams, never parsed.
  app.addContentTypeParser(["text/plain", "application/octet-stream"], (_req, payload, done) =>
    done(null, payload),
  );
  app.addContentTypeParser("*", (_req, payload, done) => done(null, payload));
  agentExternalRoutes(app, engine);

  const authenticate = async (request: FastifyRequest): Promise<AgentRecord> => {
    const auth = header(request, "authorization") ?? "";
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    const agent = token ? await findAgentByTokenHash(engine.ctx.db, hashToken(token)) : undefined;
    if (!agent) throw new FawkesError(ErrorCode.unauthorized, 401, "unknown agent token: register again");
    engine.dispatcher.touch(agent);
    return agent;
  };
  const jobId = (request: FastifyRequest): number =>
    intParam((request.params as Record<string, string>).jobRunId ?? "", "job run id");
  const lease = (request: FastifyRequest): string | undefined => header(request, AgentHeader.lease);

  app.post("/agent/v1/register", async (request) =>
    registerAgent(engine, keys, parse(RegisterRequest, request.body)),
  );

  app.post("/agent/v1/work", async (request) => {
    const agent = await authenticate(request);
    const { waitMs } = parse(WorkRequest, request.body);
    const gone = whenDisconnected(request);
    try {
      return await engine.dispatcher.work(agent, waitMs, gone.signal);
    } finally {
      gone.release();
    }
  });

  app.post("/agent/v1/heartbeat", async (request) => {
    const agent = await authenticate(request);
    const { runningLeases } = parse(HeartbeatRequest, request.body);
    const active = (await activeJobRuns(engine.ctx.db)).filter((j) => j.agentId === agent.id);
    const revoked = runningLeases.filter((l) => !active.some((j) => j.leaseId === l && !j.cancelRequested));
    return { state: engine.dispatcher.stateOf(agent), revokedLeases: revoked as LeaseId[] };
  });

  app.post("/agent/v1/jobs/:jobRunId/state", async (request, reply) => {
    const agent = await authenticate(request);
    await reportJobState(
      engine,
      agent,
      jobId(request),
      lease(request),
      parse(JobStateReport, request.body).state,
    );
    return reply.code(204).send();
  });

  app.post("/agent/v1/jobs/:jobRunId/complete", async (request, reply) => {
    const agent = await authenticate(request);
    await reportJobComplete(
      engine,
      agent,
      jobId(request),
      lease(request),
      parse(JobCompleteReport, request.body).result,
    );
    return reply.code(204).send();
  });

  app.post("/agent/v1/jobs/:jobRunId/console", async (request, reply) => {
    const agent = await authenticate(request);
    const body =
      request.body instanceof Readable
        ? (request.body as AsyncIterable<Buffer>)
        : [Buffer.from(typeof request.body === "string" ? request.body : "")];
    await appendConsole(
      engine,
      agent,
      jobId(request),
      lease(request),
      body,
      Number(header(request, AgentHeader.consoleTime)),
    );
    return reply.code(204).send();
  });

  app.put("/agent/v1/jobs/:jobRunId/artifacts/*", async (request) => {
    const agent = await authenticate(request);
    if (!(request.body instanceof Readable))
      throw new FawkesError(ErrorCode.badRequest, 400, "artifact body missing");
    const rel = (request.params as Record<string, string>)["*"] ?? "";
    return storeArtifact(
      engine,
      agent,
      jobId(request),
      lease(request),
      decodeURIComponent(rel),
      request.body,
      header(request, AgentHeader.sha256) ?? null,
    );
  });

  app.post("/agent/v1/jobs/:jobRunId/wait-cancel", async (request) => {
    const agent = await authenticate(request);
    const id = jobId(request);
    const leaseId = lease(request);
    await requireLease(engine, agent, id, leaseId);
    if (await isCancelRequested(engine, id, leaseId ?? "")) return { cancel: true };
    const gone = whenDisconnected(request);
    const waitMs = Math.min(
      60_000,
      Math.max(0, Number((request.query as Record<string, string>).waitMs ?? 25_000) || 25_000),
    );
    try {
      return {
        cancel: await engine.dispatcher.waitCancel(id, waitMs, gone.signal, () =>
          isCancelRequested(engine, id, leaseId ?? ""),
        ),
      };
    } finally {
      gone.release();
    }
  });

  const locatorFrom = (request: FastifyRequest): JobLocator => {
    const p = request.params as Record<string, string>;
    return {
      pipeline: p.pipeline ?? "",
      counter: intParam(p.counter ?? "", "counter"),
      stage: p.stage ?? "",
      stageCounter: intParam(p.stageCounter ?? "", "stage counter"),
      job: p.job ?? "",
    };
  };
  const base = "/agent/v1/artifacts/:pipeline/:counter/:stage/:stageCounter/:job";
  app.get(`${base}/manifest`, async (request) => {
    await authenticate(request);
    const prefix = String((request.query as Record<string, string>).path ?? "");
    return { files: await engine.artifacts.list(locatorFrom(request), prefix) };
  });
  app.get(`${base}/files/*`, async (request, reply) => {
    await authenticate(request);
    const locator = locatorFrom(request);
    const rel = decodeURIComponent((request.params as Record<string, string>)["*"] ?? "");
    const stat = await engine.artifacts.stat(locator, rel);
    if (!stat)
      throw new FawkesError(
        ErrorCode.artifactNotFound,
        404,
        `no artifact ${rel} in ${locator.pipeline}/${locator.counter}/${locator.stage}/${locator.stageCounter}/${locator.job}`,
      );
    reply
      .type("application/octet-stream")
      .header("content-length", stat.size)
      .header(AgentHeader.sha256, stat.sha256);
    return reply.send(await engine.artifacts.createReadStream(locator, rel));
  });
}
