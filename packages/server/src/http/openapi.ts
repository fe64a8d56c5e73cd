/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
import { z } from "zod";
import type { RouteRegistry } from "./registry.ts";

const problem = {
  description: "RFC 9457 problem with a stable Fawkes error code",
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
};

function queryParameters(schema: z.ZodObject): object[] {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, object>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...schema } = property as { description?: string };
    return {
      name,
      in: "query",
      required: json.required?.includes(name) ?? false,
      ...(description !== undefined && { description }),
      schema,
    };
  });
}

export function openApiDocument(registry: RouteRegistry, version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const spec of registry.specs) {
    // The agent protocol (/agent/v1) is not public API: packages/protocol/src/agent-wire.ts describes it.
    if (!spec.path.startsWith("/api/")) continue;
    const path = spec.path.replace(/:([A-Za-z]+)/g, "{$1}").replace(/\*$/, "{path}");
    const parameters: object[] = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    if (spec.query) parameters.push(...queryParameters(spec.query));
    const status = String(spec.status ?? (spec.response || spec.produces ? 200 : 204));
    const success = spec.response
      ? {
          description: "OK",
          content: {
            "application/json": {
              schema: z.toJSONSchema(spec.response, { io: "output", unrepresentable: "any" }),
            },
          },
        }
      : spec.produces
        ? { description: "OK", content: { [spec.produces]: { schema: { type: "string" } } } }
        : { description: "No content" };
    paths[path] ??= {};
    paths[path][spec.method.toLowerCase()] = {
      summary: spec.summary,
      tags: [spec.tag],
      ...(parameters.length > 0 && { parameters }),
      ...(spec.access === "public" ? { security: [] } : {}),
      // The permission a user route needs (http/access.ts): view, operate or admin, on the pipeline or globally.
      ...(spec.access === "user" && {
        "x-fawkes-permission": spec.permission ?? "admin",
        ...(spec.scope === "pipeline" && { "x-fawkes-permission-scope": "pipeline" }),
      }),
      ...((spec.body ?? spec.documentedBody) && {
        requestBody: {
          required: spec.documentedBody !== undefined,
          content: {
            "application/json": {
              schema: z.toJSONSchema((spec.body ?? spec.documentedBody)!, {
                io: "input",
                unrepresentable: "any",
              }),
            },
          },
        },
      }),
      responses: { [status]: success, "4XX": problem },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Fawkes API", version, description: "REST API of the Fawkes continuous delivery server." },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "The API token from <data-dir>/keys/api-token",
        },
      },
      schemas: {
        Problem: {
          type: "object",
          required: ["type", "title", "status", "code", "detail"],
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            code: { type: "string" },
            detail: { type: "string" },
            errors: { type: "array", items: { type: "object" } },
          },
        },
      },
    },
  };
}
