/**
 * Read-only browsing of the cloud endpoint's buckets (the web UI's Buckets page). Object keys travel in query
 * parameters: they may hold `/`, `%`, spaces, `..` — nothing a path segment survives unchanged.
 */
import {
  ApiRoutes,
  BucketListDto,
  ErrorCode,
  FawkesError,
  ObjectDetailsDto,
  ObjectListDto,
} from "@fawkes/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { CloudRuntime } from "../cloud/runtime.ts";
import type { Engine } from "../engine/engine.ts";
import {
  attachmentDisposition,
  listBuckets,
  listObjects,
  objectDetails,
  openObject,
} from "../services/browse-buckets.ts";
import type { RouteRegistry } from "./registry.ts";

function stringQuery(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string")
    throw new FawkesError(ErrorCode.badRequest, `query parameter ${name} must be given once`);
  return value;
}

function requiredKey(request: FastifyRequest): string {
  const key = stringQuery(request, "key");
  if (key === undefined || key === "")
    throw new FawkesError(ErrorCode.badRequest, "query parameter key (the object key) is required");
  return key;
}

const bucketOf = (request: FastifyRequest): string => (request.params as Record<string, string>).bucket ?? "";

export function bucketRoutes(app: FastifyInstance, routes: RouteRegistry, engine: Engine): void {
  const tag = "buckets";
  // Read at request time: the server starts the cloud endpoint before listening, offline builds never do.
  const cloud = (): CloudRuntime => {
    const runtime = engine.ctx.cloud;
    if (!runtime) throw new FawkesError(ErrorCode.notFound, "this server runs no cloud endpoint");
    return runtime;
  };
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.buckets,
      summary: "List buckets",
      tag,
      access: "user",
      permission: "view",
      response: BucketListDto,
    },
    async () => listBuckets(cloud()),
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.bucketObjects,
      summary: "List one level of a bucket under ?prefix= (folders and objects), 200 a page (?continuation=)",
      tag,
      access: "user",
      permission: "view",
      response: ObjectListDto,
    },
    async (request) =>
      listObjects(
        cloud(),
        bucketOf(request),
        stringQuery(request, "prefix") ?? "",
        stringQuery(request, "continuation") || undefined,
      ),
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.bucketObject,
      summary: "An object's details (?key=): size, type, metadata",
      tag,
      access: "user",
      permission: "view",
      response: ObjectDetailsDto,
    },
    async (request) => objectDetails(cloud(), bucketOf(request), requiredKey(request)),
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.bucketDownload,
      summary: "Download an object (?key=)",
      tag,
      access: "user",
      permission: "view",
      produces: "application/octet-stream",
    },
    async (request, reply) => {
      const key = requiredKey(request);
      const object = await openObject(cloud(), bucketOf(request), key);
      reply
        .type(object.contentType)
        .header("content-disposition", attachmentDisposition(key))
        // The type is whatever the uploader said: never let a browser reinterpret it.
        .header("x-content-type-options", "nosniff");
      if (object.size !== undefined) reply.header("content-length", object.size);
      return reply.send(object.body);
    },
  );
}
