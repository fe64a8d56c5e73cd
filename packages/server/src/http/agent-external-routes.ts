/**
 * Agent routes of GoCD `external` artifacts (see packages/protocol/src/agent-wire.ts): publish a file into the
 * job's artifact store, and list / stream an upstream job's external artifact. Registered inside the agent
 * routes' scope, whose content-type parsers hand bodies over as streams.
 */
import { Readable } from "node:stream";
import { AgentHeader, ErrorCode, FawkesError, type JobLocator } from "@fawkes/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../engine/engine.ts";
import {
  externalArtifactManifest,
  openExternalArtifactFile,
  storeExternalArtifactFile,
} from "../services/external-artifacts.ts";
import { agentOf } from "./access.ts";
import { intParam } from "./problem.ts";
import type { RouteRegistry } from "./registry.ts";

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** `<artifact id>/<path…>` from the wildcard, each segment decoded. */
function splitWildcard(request: FastifyRequest): { artifactId: string; path: string } {
  const raw = (request.params as Record<string, string>)["*"] ?? "";
  const [first = "", ...rest] = raw.split("/");
  const artifactId = decodeURIComponent(first);
  if (artifactId === "" || rest.length === 0)
    throw new FawkesError(ErrorCode.badRequest, "expected <artifact id>/<path>");
  return { artifactId, path: rest.map(decodeURIComponent).join("/") };
}

export function agentExternalRoutes(app: FastifyInstance, routes: RouteRegistry, engine: Engine): void {
  const tag = "agent protocol";
  routes.add(
    app,
    {
      method: "PUT",
      path: "/agent/v1/jobs/:jobRunId/external-artifacts/*",
      summary: "Publish one file of the held job's external artifact (a stream)",
      tag,
      access: "agent-lease",
    },
    async (request) => {
      if (!(request.body instanceof Readable))
        throw new FawkesError(ErrorCode.badRequest, "external artifact body missing");
      const { artifactId, path } = splitWildcard(request);
      const length = header(request, "content-length");
      return storeExternalArtifactFile(engine, agentOf(request), {
        jobRunId: intParam((request.params as Record<string, string>).jobRunId ?? "", "job run id"),
        lease: header(request, AgentHeader.lease),
        artifactId,
        path,
        body: request.body,
        sha256: header(request, AgentHeader.sha256) ?? null,
        size: length === undefined ? Number.NaN : Number(length),
      });
    },
  );

  const base = "/agent/v1/external-artifacts/:pipeline/:counter/:stage/:stageCounter/:job/:artifactId";
  const target = (request: FastifyRequest): { locator: JobLocator; artifactId: string } => {
    const p = request.params as Record<string, string>;
    return {
      locator: {
        pipeline: p.pipeline ?? "",
        counter: intParam(p.counter ?? "", "counter"),
        stage: p.stage ?? "",
        stageCounter: intParam(p.stageCounter ?? "", "stage counter"),
        job: p.job ?? "",
      },
      artifactId: p.artifactId ?? "",
    };
  };

  routes.add(
    app,
    {
      method: "GET",
      path: `${base}/manifest`,
      summary: "List an upstream job's external artifact that the held job fetches",
      tag,
      access: "agent-fetch",
    },
    async (request) => {
      const { locator, artifactId } = target(request);
      return externalArtifactManifest(
        engine,
        agentOf(request),
        header(request, AgentHeader.lease),
        locator,
        artifactId,
      );
    },
  );

  routes.add(
    app,
    {
      method: "GET",
      path: `${base}/files/*`,
      summary: "Stream one file of an external artifact that the held job fetches",
      tag,
      access: "agent-fetch",
      produces: "application/octet-stream",
    },
    async (request, reply) => {
      const { locator, artifactId } = target(request);
      const path = ((request.params as Record<string, string>)["*"] ?? "")
        .split("/")
        .map(decodeURIComponent)
        .join("/");
      const file = await openExternalArtifactFile(
        engine,
        agentOf(request),
        header(request, AgentHeader.lease),
        locator,
        artifactId,
        path,
      );
      reply
        .type("application/octet-stream")
        .header("content-length", file.size)
        .header(AgentHeader.sha256, file.sha256);
      return reply.send(file.body);
    },
  );
}
