/**
 * Phoenix instances over REST (`/api/v1/instances`: the Instances pages): list, details, console output and
 * terminate. Reads need `view`, terminate `operate`. The routes depend on an {@link InstanceDirectory} only,
 * which the server wires to its instances (`CloudRuntime.instances`).
 */
import {
  ApiRoutes,
  ErrorCode,
  FawkesError,
  InstanceConsoleDto,
  InstanceDto,
  InstanceListDto,
  InstanceListQuery,
} from "@fawkes/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AuditOrigin } from "../services/audit.ts";
import { auditOrigin } from "./audit-origin.ts";
import { parse } from "./problem.ts";
import type { RouteRegistry } from "./registry.ts";

/** What the instance routes need of the server's instances. */
export interface InstanceDirectory {
  /** Newest first; terminated instances too with `all`. */
  list(options: { all: boolean }): Promise<InstanceDto[]>;
  /** Undefined for an id it never had. */
  find(instanceId: string): Promise<InstanceDto | undefined>;
  /** The whole console output so far (the boot output of its user data). */
  console(instanceId: string): Promise<string>;
  /** Starts terminating it (`shutting-down`, then `terminated`); one already terminated is no error. */
  terminate(instanceId: string, origin: AuditOrigin): Promise<void>;
}

const instanceParam = (request: FastifyRequest): string =>
  (request.params as Record<string, string>).instance ?? "";

/** `directory()` is read at request time: undefined while the server runs no instances. */
export function instanceRoutes(
  app: FastifyInstance,
  routes: RouteRegistry,
  directory: () => InstanceDirectory | undefined,
  now: () => number,
): void {
  const tag = "instances";
  const instances = (): InstanceDirectory => {
    const found = directory();
    if (!found) throw new FawkesError(ErrorCode.unavailable, "this server runs no phoenix instances");
    return found;
  };
  const existing = async (request: FastifyRequest): Promise<InstanceDto> => {
    const id = instanceParam(request);
    const instance = await instances().find(id);
    if (!instance)
      throw new FawkesError(
        ErrorCode.notFound,
        `The instance ID '${id}' does not exist: GET ${ApiRoutes.instances}?all=true lists them`,
      );
    return instance;
  };

  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.instances,
      summary: "List phoenix instances, newest first (all=true: terminated ones too)",
      tag,
      access: "user",
      permission: "view",
      query: InstanceListQuery,
      response: InstanceListDto,
    },
    async (request) => {
      const query = parse(InstanceListQuery, request.query ?? {});
      return { instances: await instances().list({ all: query.all === "true" }) };
    },
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.instance,
      summary: "A phoenix instance",
      tag,
      access: "user",
      permission: "view",
      response: InstanceDto,
    },
    async (request) => existing(request),
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.instanceConsole,
      summary: "A phoenix instance's console output so far (its boot output)",
      tag,
      access: "user",
      permission: "view",
      response: InstanceConsoleDto,
    },
    async (request) => {
      const instance = await existing(request);
      return {
        instanceId: instance.instanceId,
        output: await instances().console(instance.instanceId),
        at: now(),
      };
    },
  );
  routes.add(
    app,
    {
      method: "DELETE",
      path: ApiRoutes.instance,
      summary: "Terminate a phoenix instance (its processes are killed and its disk deleted)",
      tag,
      access: "user",
      permission: "operate",
      status: 202,
    },
    async (request) => {
      const instance = await existing(request);
      await instances().terminate(instance.instanceId, auditOrigin(request));
    },
  );
}
