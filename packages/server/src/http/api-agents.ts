import { AgentDto, AgentListDto, AgentRoleRequest, AgentUpdateRequest, ApiRoutes } from "@fawkes/protocol";
import type { FastifyInstance } from "fastify";
import type { Engine } from "../engine/engine.ts";
import { revokeAgentToken } from "../services/agent-tokens.ts";
import {
  listAgentDtos,
  removeAgent,
  setAgentEnabled,
  setAgentResources,
  setAgentRole,
} from "../services/manage-agents.ts";
import { auditOrigin } from "./audit-origin.ts";
import type { RouteRegistry } from "./registry.ts";

export function agentAdminRoutes(app: FastifyInstance, routes: RouteRegistry, engine: Engine): void {
  const tag = "agents";
  const name = (params: unknown): string => (params as Record<string, string>).agent ?? "";
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.agents,
      summary: "List agents",
      tag,
      access: "user",
      permission: "view",
      response: AgentListDto,
    },
    async () => ({ agents: await listAgentDtos(engine) }),
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.enableAgent,
      summary: "Enable an agent",
      tag,
      access: "user",
      permission: "admin",
    },
    async (request) => {
      await setAgentEnabled(engine, name(request.params), true, auditOrigin(request));
    },
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.disableAgent,
      summary: "Disable an agent",
      tag,
      access: "user",
      permission: "admin",
    },
    async (request) => {
      await setAgentEnabled(engine, name(request.params), false, auditOrigin(request));
    },
  );
  routes.add(
    app,
    {
      method: "PATCH",
      path: ApiRoutes.agent,
      summary: "Change an agent's resources",
      tag,
      access: "user",
      permission: "admin",
      body: AgentUpdateRequest,
      response: AgentDto,
    },
    async (request, _reply, body) =>
      setAgentResources(engine, name(request.params), body.resources, auditOrigin(request)),
  );
  routes.add(
    app,
    {
      method: "PUT",
      path: ApiRoutes.agentRole,
      summary: "Give an agent a role (its trust policy must allow ec2.amazonaws.com), or none",
      tag,
      access: "user",
      permission: "admin",
      body: AgentRoleRequest,
      response: AgentDto,
    },
    async (request, _reply, body) =>
      setAgentRole(engine, name(request.params), body.role, auditOrigin(request)),
  );
  routes.add(
    app,
    {
      method: "DELETE",
      path: ApiRoutes.agent,
      summary: "Delete an agent",
      tag,
      access: "user",
      permission: "admin",
    },
    async (request) => {
      await removeAgent(engine, name(request.params), auditOrigin(request));
    },
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.revokeAgentToken,
      summary: "Revoke an agent's token: it must register again with the key, and is pending until enabled",
      tag,
      access: "user",
      permission: "admin",
    },
    async (request) => {
      await revokeAgentToken(engine, name(request.params), auditOrigin(request));
    },
  );
}
