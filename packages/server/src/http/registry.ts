/**
 * Routes are declared once with their access and zod schemas: the same declaration registers the fastify
 * handler, decides who may call it (http/access.ts), validates the body, and feeds the OpenAPI document.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { Permission } from "@fawkes/protocol";
import { UNDECLARED_PERMISSION, type RouteAccess } from "./access.ts";
import { parse } from "./problem.ts";

export interface RouteSpec<B extends z.ZodType | undefined> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Fastify path (`:param`). */
  path: string;
  summary: string;
  tag: string;
  body?: B;
  /** The body's schema for the OpenAPI document only, where the handler reads raw bytes (a webhook's). */
  documentedBody?: z.ZodType;
  /**
   * The query string's schema, for the OpenAPI document (one parameter per property); the handler parses
   * `request.query` with it.
   */
  query?: z.ZodObject;
  /** Response schema for 2xx with a JSON body. */
  response?: z.ZodType;
  /** 2xx status. @default 200 */
  status?: number;
  /** Content type of a non-JSON response. */
  produces?: string;
  /** Who may call it; checked on the matched route before the body is read. */
  access: RouteAccess;
  /**
   * For `user` routes: the permission needed (http/access.ts). Reads are `view`; acting on runs `operate`.
   * @default "admin" (undeclared is denied to all but administrators)
   */
  permission?: Permission;
  /** Where the permission is needed: `pipeline` = on the pipeline in `:name` (its group counts). @default "global" */
  scope?: "global" | "pipeline";
}

export type RouteHandler<B> = (request: FastifyRequest, reply: FastifyReply, body: B) => Promise<unknown>;

export class RouteRegistry {
  readonly specs: RouteSpec<z.ZodType | undefined>[] = [];

  add<B extends z.ZodType | undefined>(
    app: FastifyInstance,
    spec: RouteSpec<B>,
    handler: RouteHandler<B extends z.ZodType ? z.infer<B> : undefined>,
  ): void {
    this.specs.push(spec);
    app.route({
      method: spec.method,
      url: spec.path,
      config: {
        access: spec.access,
        ...(spec.access === "user" && {
          permission: {
            permission: spec.permission ?? UNDECLARED_PERMISSION.permission,
            scope: spec.scope ?? UNDECLARED_PERMISSION.scope,
          },
        }),
      },
      handler: async (request, reply) => {
        const body = (spec.body ? parse(spec.body, request.body) : undefined) as B extends z.ZodType
          ? z.infer<B>
          : undefined;
        const result = await handler(request, reply, body);
        // A handler that sent or hijacked the reply owns it; sending again would write the headers twice. A
        // returned `reply.send(stream)` is a thenable that `await` resolves to undefined once the stream ends
        // (or the client leaves): the headers tell that case apart from "nothing to say" (204).
        if (result === reply || reply.sent || reply.raw.headersSent) return reply;
        if (result === undefined) return reply.code(spec.status ?? 204).send();
        return reply.code(spec.status ?? 200).send(result);
      },
    });
  }
}
