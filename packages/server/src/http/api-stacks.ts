/**
 * Stacks over REST (`/api/v1/stacks`: the Stacks pages and `fawkes` clients of the REST API): the same stack
 * engine as the cloud endpoint's CloudFormation API, so both see one set of stacks. Reads need `view`; create,
 * update and delete need `operate`, and each resource is then made with the caller's rights (http/stack-caller.ts).
 */
import {
  ApiRoutes,
  ErrorCode,
  FawkesError,
  StackDetailsDto,
  StackEventListDto,
  StackEventsQuery,
  StackListDto,
  StackListQuery,
  StackRequest,
  StackResourceListDto,
  type StackEventDto,
  type StackSummaryDto,
} from "@fawkes/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../engine/engine.ts";
import type { StackEngine } from "../stacks/stack-engine.ts";
import type { StackEventRecord, StackRecord } from "../store/stacks-repo.ts";
import { principalOf } from "./access.ts";
import { auditOrigin } from "./audit-origin.ts";
import { parse } from "./problem.ts";
import type { RouteRegistry } from "./registry.ts";
import { restStackCaller } from "./stack-caller.ts";

/** `?all=true` lists the stacks deleted in the last 90 days too, as ListStacks does. */
const DELETED_KEPT_MS = 90 * 24 * 60 * 60 * 1000;

const summaryDto = (stack: StackRecord): StackSummaryDto => ({
  stackId: stack.stackId,
  name: stack.name,
  status: stack.status,
  statusReason: stack.statusReason,
  description: stack.description,
  createdBy: stack.createdBy,
  createdAt: stack.createdAt,
  updatedAt: stack.updatedAt,
  deletedAt: stack.deletedAt,
});

const eventDto = (event: StackEventRecord): StackEventDto => ({
  id: event.id,
  eventId: event.eventId,
  logicalId: event.logicalId,
  physicalId: event.physicalId,
  type: event.type,
  status: event.status,
  statusReason: event.statusReason,
  at: event.at,
});

const stackParam = (request: FastifyRequest): string =>
  (request.params as Record<string, string>).stack ?? "";

export function stackRoutes(app: FastifyInstance, routes: RouteRegistry, engine: Engine): void {
  const tag = "stacks";
  // Read at request time: the server starts the cloud endpoint (and its stack engine) before listening.
  const stacks = (): StackEngine => {
    const cloud = engine.ctx.cloud;
    if (!cloud) throw new FawkesError(ErrorCode.unavailable, "this server runs no cloud endpoint: no stacks");
    return cloud.stacks;
  };
  const details = (stack: StackRecord): StackDetailsDto => ({
    ...summaryDto(stack),
    parameters: stacks().parameters(stack),
    outputs: stack.outputs.map((output) => ({
      key: output.key,
      value: output.value,
      description: output.description ?? null,
      exportName: output.exportName ?? null,
    })),
    capabilities: [...stack.capabilities],
    tags: stack.tags.map((t) => ({ key: t.key, value: t.value })),
    disableRollback: stack.disableRollback,
  });

  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.stacks,
      summary: "List stacks, newest first (all=true: those deleted in the last 90 days too)",
      tag,
      access: "user",
      permission: "view",
      query: StackListQuery,
      response: StackListDto,
    },
    async (request) => {
      const query = parse(StackListQuery, request.query ?? {});
      const list = await stacks().list(
        query.all === "true" ? { deletedSince: engine.ctx.now() - DELETED_KEPT_MS } : {},
      );
      return { stacks: list.map(summaryDto) };
    },
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.stacks,
      summary: "Create a stack (its resources are made in the background, with the caller's rights)",
      tag,
      access: "user",
      permission: "operate",
      body: StackRequest,
      response: StackDetailsDto,
      status: 201,
    },
    async (request, _reply, body) => {
      const stack = await stacks().create({
        name: body.name,
        templateBody: body.templateBody,
        parameters: body.parameters,
        capabilities: body.capabilities,
        ...(body.disableRollback !== undefined ? { disableRollback: body.disableRollback } : {}),
        ...(body.tags !== undefined ? { tags: body.tags } : {}),
        caller: restStackCaller(principalOf(request), auditOrigin(request)),
      });
      return details(stack);
    },
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.stack,
      summary: "A stack (by name, or by stack id for a deleted one) with its parameters and outputs",
      tag,
      access: "user",
      permission: "view",
      response: StackDetailsDto,
    },
    async (request) => details(await stacks().describe(stackParam(request))),
  );
  routes.add(
    app,
    {
      method: "PUT",
      path: ApiRoutes.stack,
      summary: "Update a stack with a new template and values (the update runs in the background)",
      tag,
      access: "user",
      permission: "operate",
      body: StackRequest,
      response: StackDetailsDto,
      status: 202,
    },
    async (request, _reply, body) => {
      const target = await stacks().describe(stackParam(request));
      if (body.name !== target.name)
        throw new FawkesError(
          ErrorCode.badRequest,
          `the body names stack ${body.name} but the path stack ${target.name}: a stack cannot be renamed`,
        );
      // An update keeps what UpdateStack here does not change: a request to change it is refused, not ignored.
      if (body.tags !== undefined && JSON.stringify(body.tags) !== JSON.stringify(target.tags))
        throw new FawkesError(ErrorCode.badRequest, "an update keeps the stack's tags: leave out tags");
      if (body.disableRollback !== undefined && body.disableRollback !== target.disableRollback)
        throw new FawkesError(
          ErrorCode.badRequest,
          "an update keeps the stack's rollback setting: leave out disableRollback",
        );
      const updated = await stacks().update({
        name: target.stackId,
        templateBody: body.templateBody,
        parameters: body.parameters,
        capabilities: body.capabilities,
        caller: restStackCaller(principalOf(request), auditOrigin(request)),
      });
      return details(await stacks().describe(updated.stackId));
    },
  );
  routes.add(
    app,
    {
      method: "DELETE",
      path: ApiRoutes.stack,
      summary: "Delete a stack (its resources are deleted in the background, in reverse order)",
      tag,
      access: "user",
      permission: "operate",
      status: 202,
    },
    async (request) => {
      // Unlike DeleteStack, an unknown name is a 404: a typo must not look like a deletion.
      const stack = await stacks().describe(stackParam(request));
      await stacks().delete(stack.stackId, restStackCaller(principalOf(request), auditOrigin(request)));
    },
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.stackEvents,
      summary: "A stack's events, oldest first (after=ID: only newer ones, for live pages)",
      tag,
      access: "user",
      permission: "view",
      query: StackEventsQuery,
      response: StackEventListDto,
    },
    async (request) => {
      const query = parse(StackEventsQuery, request.query ?? {});
      const events = await stacks().events(
        stackParam(request),
        query.after === undefined ? undefined : Number(query.after),
      );
      return { events: events.reverse().map(eventDto) };
    },
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.stackResources,
      summary: "A stack's resources (logical and physical ids, types, statuses)",
      tag,
      access: "user",
      permission: "view",
      response: StackResourceListDto,
    },
    async (request) => ({
      resources: (await stacks().resources(stackParam(request))).map((resource) => ({
        logicalId: resource.logicalId,
        physicalId: resource.physicalId,
        type: resource.type,
        status: resource.status,
        statusReason: resource.statusReason,
        updatedAt: resource.updatedAt,
      })),
    }),
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.stackTemplate,
      summary: "A stack's template, as it was given",
      tag,
      access: "user",
      permission: "view",
      produces: "text/plain",
    },
    async (request, reply) => {
      const template = await stacks().template(stackParam(request));
      return reply.type("text/plain; charset=utf-8").header("cache-control", "no-store").send(template);
    },
  );
}
