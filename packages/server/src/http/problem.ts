/** The one place errors become HTTP responses: RFC 9457 problem+json with a stable Fawkes code. */
import { ErrorCode, FawkesError, statusOf, type Problem } from "@fawkes/protocol";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";

export function problemOf(error: unknown): Problem {
  if (error instanceof FawkesError) return problem(error.code, error.message, error.errors);
  if (error instanceof z.ZodError)
    return problem(
      ErrorCode.validation,
      "the request is invalid: " +
        error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "),
      error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    );
  if (error instanceof URIError)
    return problem(ErrorCode.badRequest, "the request path holds a malformed percent-escape");
  const fastifyError = error as Partial<FastifyError>;
  const status = typeof fastifyError.statusCode === "number" ? fastifyError.statusCode : 500;
  if (status === 413) return problem(ErrorCode.payloadTooLarge, "the request body is too large");
  // Fastify's own rejections (unsupported media type, bad header, ...) answer with the code's status.
  if (status >= 400 && status < 500)
    return problem(
      status === 404 ? ErrorCode.notFound : ErrorCode.badRequest,
      fastifyError.message ?? "bad request",
    );
  return problem(ErrorCode.internal, "the server failed to handle this request; see the server log");
}

/** The status is the registry's for the code: one code, one status, as docs/errors.md lists it. */
function problem(code: ErrorCode, detail: string, errors?: Problem["errors"]): Problem {
  const status = statusOf(code);
  return {
    type: "about:blank",
    title: titleOf(status),
    status,
    code,
    detail,
    ...(errors && { errors }),
  };
}

function titleOf(status: number): string {
  return (
    {
      400: "Bad Request",
      401: "Unauthorized",
      403: "Forbidden",
      404: "Not Found",
      409: "Conflict",
      411: "Length Required",
      413: "Content Too Large",
      502: "Bad Gateway",
      503: "Service Unavailable",
    }[status] ?? (status >= 500 ? "Internal Server Error" : "Error")
  );
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const problem = problemOf(error);
  if (problem.status >= 500) request.log.error({ err: error }, "request failed");
  return reply.code(problem.status).type("application/problem+json").send(problem);
}

/** Validates a body/query with a zod schema; a failure is a 400 with every issue listed. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  return schema.parse(value ?? {});
}

export function intParam(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new FawkesError(ErrorCode.badRequest, `${what} must be a positive integer, got "${value}"`);
  return n;
}
