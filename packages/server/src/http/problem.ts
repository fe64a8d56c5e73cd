/** The one place errors become HTTP responses: RFC 9457 problem+json with a stable Fawkes code. */
import { ErrorCode, FawkesError, type Problem } from "@fawkes/protocol";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";

export function problemOf(error: unknown): Problem {
  if (error instanceof FawkesError) {
    return {
      type: "about:blank",
      title: titleOf(error.status),
      status: error.status,
      code: error.code,
      detail: error.message,
      ...(error.errors && { errors: error.errors }),
    };
  }
  if (error instanceof z.ZodError) {
    return {
      type: "about:blank",
      title: "Bad Request",
      status: 400,
      code: ErrorCode.validation,
      detail:
        "the request is invalid: " +
        error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "),
      errors: error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    };
  }
  if (error instanceof URIError)
    return {
      type: "about:blank",
      title: "Bad Request",
      status: 400,
      code: ErrorCode.badRequest,
      detail: "the request path holds a malformed percent-escape",
    };
  const fastifyError = error as Partial<FastifyError>;
  const status = typeof fastifyError.statusCode === "number" ? fastifyError.statusCode : 500;
  if (status === 413)
    return {
      type: "about:blank",
      title: "Content Too Large",
      status,
      code: ErrorCode.payloadTooLarge,
      detail: "the request body is too large",
    };
  if (status >= 400 && status < 500) {
    return {
      type: "about:blank",
      title: titleOf(status),
      status,
      code: status === 404 ? ErrorCode.notFound : ErrorCode.badRequest,
      detail: fastifyError.message ?? "bad request",
    };
  }
  return {
    type: "about:blank",
    title: "Internal Server Error",
    status: 500,
    code: ErrorCode.internal,
    detail: "the server failed to handle this request; see the server log",
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
      413: "Content Too Large",
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
    throw new FawkesError(ErrorCode.badRequest, 400, `${what} must be a positive integer, got "${value}"`);
  return n;
}
