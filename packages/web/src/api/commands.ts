/** The operator's commands, one function each, over the public REST API. */
import {
  ApiRoutes,
  apiPath,
  type AgentDto,
  type CreateRoleRequest,
  type RoleDto,
  type PauseRequest,
  type RerunResponse,
  type TriggerRequest,
  type TriggerResponse,
} from "@fawkes/protocol";
import { send } from "./http.ts";

export const commands = {
  createRole: async (request: CreateRoleRequest) =>
    (await send<RoleDto>("POST", ApiRoutes.roles, request)) as RoleDto,
  deleteRole: (role: string) => send("DELETE", apiPath(ApiRoutes.role, { role })),
  deleteStack: (stack: string) => send("DELETE", apiPath(ApiRoutes.stack, { stack })),
  terminateInstance: (instance: string) => send("DELETE", apiPath(ApiRoutes.instance, { instance })),
  trigger: async (pipeline: string, request: TriggerRequest = { revisions: {}, variables: {} }) =>
    (await send<TriggerResponse>(
      "POST",
      apiPath(ApiRoutes.trigger, { name: pipeline }),
      request,
    )) as TriggerResponse,
  pause: (pipeline: string, reason: string) =>
    send("POST", apiPath(ApiRoutes.pause, { name: pipeline }), { reason } satisfies PauseRequest),
  unpause: (pipeline: string) => send("POST", apiPath(ApiRoutes.unpause, { name: pipeline })),
  approve: (pipeline: string, counter: number, stage: string) =>
    send("POST", apiPath(ApiRoutes.approve, { name: pipeline, counter, stage })),
  rerun: async (pipeline: string, counter: number, stage: string) =>
    (await send<RerunResponse>("POST", apiPath(ApiRoutes.rerun, { name: pipeline, counter, stage }), {
      jobs: [],
    })) as RerunResponse,
  cancelRun: (pipeline: string, counter: number) =>
    send("POST", apiPath(ApiRoutes.cancelRun, { name: pipeline, counter })),
  cancelStage: (pipeline: string, counter: number, stage: string) =>
    send("POST", apiPath(ApiRoutes.cancelStage, { name: pipeline, counter, stage })),
  enableAgent: (agent: string) => send("POST", apiPath(ApiRoutes.enableAgent, { agent })),
  disableAgent: (agent: string) => send("POST", apiPath(ApiRoutes.disableAgent, { agent })),
  deleteAgent: (agent: string) => send("DELETE", apiPath(ApiRoutes.agent, { agent })),
  updateAgentResources: (agent: string, resources: string[]) =>
    send<AgentDto>("PATCH", apiPath(ApiRoutes.agent, { agent }), { resources }),
};
