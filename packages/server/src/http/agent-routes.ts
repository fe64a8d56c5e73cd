/** The agent protocol under /agent/v1 (see packages/protocol/src/agent-wire.ts for the contract). */
import { Readable } from "node:stream";
import {
  AgentHeader,
  AgentTokenResponse,
  ErrorCode,
  FawkesError,
  HeartbeatRequest,
  JobCompleteReport,
  JobCredentialsResponse,
  JobStateReport,
  RegisterRequest,
  WorkRequest,
  type JobLocator,
  type LeaseId,
  type WorkResponse,
} from "@fawkes/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../engine/engine.ts";
import type { ServerKeys } from "../keys.ts";
import { activeJobRuns } from "../store/stages-repo.ts";
import {
  appendConsole,
  isCancelRequested,
  reportJobComplete,
  reportJobState,
  storeArtifact,
} from "../services/job-reports.ts";
import { jobCredentials } from "../services/job-credentials.ts";
import { rotateAgentToken } from "../services/agent-tokens.ts";
import { hashToken, registerAgent } from "../services/register-agent.ts";
import { agentOf, heldJobOf } from "./access.ts";
import { auditOrigin } from "./audit-origin.ts";
import { agentExternalRoutes } from "./agent-external-routes.ts";
import { whenDisconnected } from "./disconnect-signal.ts";
import { agentIdTokenRoute } from "./oidc-routes.ts";
import { intParam } from "./problem.ts";
import type { RouteRegistry } from "./registry.ts";

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export function agentRoutes(
  app: FastifyInstance,
  routes: RouteRegistry,
  engine: Engine,
  keys: ServerKeys,
): void {
  // Console and artifact bodies are streams, never parsed.
  app.addContentTypeParser(["text/plain", "application/octet-stream"], (_req, payload, done) =>
    done(null, payload),
  );
  app.addContentTypeParser("*", (_req, payload, done) => done(null, payload));
  // Agents estimate their clock's skew from this (console line times are sent on the server's clock).
  app.addHook("onSend", async (_request, reply) => {
    reply.header(AgentHeader.serverTime, String(engine.ctx.now()));
  });
  agentExternalRoutes(app, routes, engine);
  agentIdTokenRoute(app, routes, engine);

  const tag = "agent protocol";
  const jobId = (request: FastifyRequest): number =>
    intParam((request.params as Record<string, string>).jobRunId ?? "", "job run id");
  const lease = (request: FastifyRequest): string | undefined => header(request, AgentHeader.lease);

  routes.add(
    app,
    {
      method: "POST",
      path: "/agent/v1/register",
      summary: "Register with the agent key (pending) or the auto-register key (enabled)",
      tag,
      access: "public",
      body: RegisterRequest,
    },
    async (request, _reply, body) => registerAgent(engine, keys, body, request.ip),
  );

  routes.add(
    app,
    {
      method: "POST",
      path: "/agent/v1/token",
      summary: "Rotate this agent's token: the answer holds the new one; the old one is refused from now on",
      tag,
      access: "agent",
      response: AgentTokenResponse,
    },
    async (request) => {
      const agent = agentOf(request);
      // The token it authenticated with: its current one, or the previous one during a rotation's grace.
      const used = hashToken((request.headers.authorization ?? "").replace(/^Bearer /, ""));
      return { token: await rotateAgentToken(engine, agent.id, used, auditOrigin(request)) };
    },
  );

  routes.add(
    app,
    {
      method: "POST",
      path: "/agent/v1/work",
      summary: "Long poll for a job (a pending or disabled agent gets none)",
      tag,
      access: "agent",
      body: WorkRequest,
    },
    async (request, _reply, { waitMs }) => {
      const agent = agentOf(request);
      const gone = whenDisconnected(request);
      try {
        const response: WorkResponse = await engine.dispatcher.work(agent, waitMs, gone.signal);
        // Hints name repositories: only for agents an administrator let in.
        return agent.configState === "enabled" ? response : { job: response.job };
      } finally {
        gone.release();
      }
    },
  );

  routes.add(
    app,
    {
      method: "POST",
      path: "/agent/v1/heartbeat",
      summary: "Heartbeat: the agent's state and the leases it must drop",
      tag,
      access: "agent",
      body: HeartbeatRequest,
    },
    async (request, _reply, { runningLeases }) => {
      const agent = agentOf(request);
      const active = (await activeJobRuns(engine.ctx.db)).filter((j) => j.agentId === agent.id);
      const revoked = runningLeases.filter((l) => !active.some((j) => j.leaseId === l && !j.cancelRequested));
      return { state: engine.dispatcher.stateOf(agent), revokedLeases: revoked as LeaseId[] };
    },
  );

  routes.add(
    app,
    {
      method: "POST",
      path: "/agent/v1/jobs/:jobRunId/state",
      summary: "Report the held job's state",
      tag,
      access: "agent-lease",
      body: JobStateReport,
    },
    async (request, _reply, body) => {
      await reportJobState(engine, agentOf(request), heldJobOf(request), lease(request), body.state);
    },
  );

  routes.add(
    app,
    {
      method: "POST",
      path: "/agent/v1/jobs/:jobRunId/credentials",
      summary:
        "The held job's role credentials (refreshed when under 20 minutes remain); null without a role",
      tag,
      access: "agent-lease",
      response: JobCredentialsResponse,
    },
    async (request) => jobCredentials(engine, agentOf(request), jobId(request), lease(request)),
  );

  routes.add(
    app,
    {
      method: "POST",
      path: "/agent/v1/jobs/:jobRunId/complete",
      summary: "Report the held job's result",
      tag,
      access: "agent-lease",
      body: JobCompleteReport,
    },
    async (request, _reply, body) => {
      await reportJobComplete(engine, agentOf(request), jobId(request), lease(request), body.result);
    },
  );

  routes.add(
    app,
    {
      method: "POST",
      path: "/agent/v1/jobs/:jobRunId/console",
      summary: "Append to the held job's console log (a stream)",
      tag,
      access: "agent-lease",
    },
    async (request) => {
      const body =
        request.body instanceof Readable
          ? (request.body as AsyncIterable<Buffer>)
          : [Buffer.from(typeof request.body === "string" ? request.body : "")];
      await appendConsole(
        engine,
        heldJobOf(request),
        body,
        Number(header(request, AgentHeader.consoleTime)),
        header(request, AgentHeader.consoleLineTimes),
      );
    },
  );

  routes.add(
    app,
    {
      method: "PUT",
      path: "/agent/v1/jobs/:jobRunId/artifacts/*",
      summary: "Upload one artifact file of the held job (a stream)",
      tag,
      access: "agent-lease",
    },
    async (request) => {
      if (!(request.body instanceof Readable))
        throw new FawkesError(ErrorCode.badRequest, "artifact body missing");
      const rel = (request.params as Record<string, string>)["*"] ?? "";
      return storeArtifact(
        engine,
        heldJobOf(request),
        decodeURIComponent(rel),
        request.body,
        header(request, AgentHeader.sha256) ?? null,
      );
    },
  );

  routes.add(
    app,
    {
      method: "POST",
      path: "/agent/v1/jobs/:jobRunId/wait-cancel",
      summary: "Long poll: resolves when the held job is cancelled",
      tag,
      access: "agent-lease",
    },
    async (request) => {
      const id = jobId(request);
      const leaseId = lease(request);
      if (heldJobOf(request).cancelRequested) return { cancel: true };
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
    },
  );

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
  routes.add(
    app,
    {
      method: "GET",
      path: `${base}/manifest`,
      summary: "List an upstream job's artifacts that the held job fetches",
      tag,
      access: "agent-fetch",
    },
    async (request) => {
      const prefix = String((request.query as Record<string, string>).path ?? "");
      return { files: await engine.artifacts.list(locatorFrom(request), prefix) };
    },
  );
  routes.add(
    app,
    {
      method: "GET",
      path: `${base}/files/*`,
      summary: "Stream one artifact file that the held job fetches",
      tag,
      access: "agent-fetch",
      produces: "application/octet-stream",
    },
    async (request, reply) => {
      const locator = locatorFrom(request);
      const rel = decodeURIComponent((request.params as Record<string, string>)["*"] ?? "");
      const stat = await engine.artifacts.stat(locator, rel);
      if (!stat)
        throw new FawkesError(
          ErrorCode.artifactNotFound,
          `no artifact ${rel} in ${locator.pipeline}/${locator.counter}/${locator.stage}/${locator.stageCounter}/${locator.job}`,
        );
      reply
        .type("application/octet-stream")
        .header("content-length", stat.size)
        .header(AgentHeader.sha256, stat.sha256);
      return reply.send(await engine.artifacts.createReadStream(locator, rel));
    },
  );
}
