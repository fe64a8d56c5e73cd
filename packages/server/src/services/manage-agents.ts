import { agentMachine, transition } from "@fawkes/core";
import { ErrorCode, FawkesError, type AgentDto } from "@fawkes/protocol";
import type { ReadContext } from "../engine/context.ts";
import type { Engine } from "../engine/engine.ts";
import { deleteAgent, findAgentByName, listAgents, updateAgent } from "../store/agents-repo.ts";
import { checkAgentRole } from "../identity/job-roles.ts";
import type { AgentRecord } from "../store/records.ts";
import { findJobRun } from "../store/stages-repo.ts";
import { auditTarget, recordAudit, type AuditOrigin } from "./audit.ts";

async function requireAgent(read: ReadContext, name: string): Promise<AgentRecord> {
  const agent = await findAgentByName(read.db, name);
  if (!agent)
    throw new FawkesError(
      ErrorCode.agentNotFound,
      `no agent named ${name}: list them with \`fawkes agents\``,
    );
  return agent;
}

export async function agentDto(engine: Engine, agent: AgentRecord): Promise<AgentDto> {
  let currentJob: string | null = null;
  if (agent.currentJobRunId !== null) {
    const job = await findJobRun(engine.ctx.db, agent.currentJobRunId);
    const locator = job && (await engine.locatorOf(job));
    if (locator)
      currentJob = `${locator.pipeline}/${locator.counter}/${locator.stage}/${locator.stageCounter}/${locator.job}`;
  }
  return {
    id: agent.id,
    name: agent.name,
    hostname: agent.hostname,
    state: engine.dispatcher.stateOf(agent),
    resources: agent.resources,
    environments: agent.environments,
    currentJob,
    lastHeartbeatAt: engine.dispatcher.lastSeen(agent),
    registeredAt: agent.registeredAt,
    role: agent.role,
  };
}

export async function listAgentDtos(engine: Engine): Promise<AgentDto[]> {
  return Promise.all((await listAgents(engine.ctx.db)).map((agent) => agentDto(engine, agent)));
}

export async function setAgentEnabled(
  engine: Engine,
  name: string,
  enabled: boolean,
  by: AuditOrigin,
): Promise<void> {
  const { ctx } = engine;
  await ctx.step(async (tx) => {
    const agent = await requireAgent(tx, name);
    // Enabling an enabled agent (or disabling a disabled one) is not an error: it changes nothing (no entry).
    if (agent.configState !== (enabled ? "enabled" : "disabled")) {
      const configState = transition(agentMachine, agent.configState, enabled ? "enable" : "disable");
      await updateAgent(tx.db, agent.id, { configState });
      await recordAudit(tx.db, {
        ...by,
        action: enabled ? "agent.enable" : "agent.disable",
        target: auditTarget.agent(name),
        details: { from: agent.configState },
        at: tx.now(),
      });
    }
    tx.afterCommit(() => engine.dispatcher.wake(agent.id));
  });
  ctx.log.info({ agent: name, enabled }, "agent updated");
  ctx.events.publish({ type: "agent", agent: name });
  engine.dispatcher.kick("agents-changed");
}

export async function setAgentResources(
  engine: Engine,
  name: string,
  resources: string[],
  by: AuditOrigin,
): Promise<AgentDto> {
  const agent = await engine.ctx.step(async (tx) => {
    const found = await requireAgent(tx, name);
    await updateAgent(tx.db, found.id, { resources });
    await recordAudit(tx.db, {
      ...by,
      action: "agent.update",
      target: auditTarget.agent(name),
      details: { resources, before: found.resources },
      at: tx.now(),
    });
    return found;
  });
  engine.ctx.events.publish({ type: "agent", agent: name });
  engine.dispatcher.kick("agents-changed");
  return agentDto(engine, { ...agent, resources });
}

/**
 * `fawkes agents set-role AGENT ROLE|--none`: the role its jobs assume when they name none. The role must
 * exist, trust `ec2.amazonaws.com` for this agent, and `caller` must be allowed `iam:PassRole` on it; jobs
 * already running keep the session they have.
 */
export async function setAgentRole(
  engine: Engine,
  name: string,
  roleReference: string | null,
  by: AuditOrigin,
): Promise<AgentDto> {
  let role: string | null = null;
  if (roleReference !== null) {
    const found = await engine.ctx.cloud?.sessions.roles.findRole(roleReference);
    if (found === undefined)
      throw new FawkesError(ErrorCode.notFound, `no role ${roleReference}: list roles with \`fawkes roles\``);
    checkAgentRole(found, name, { kind: "user", name: by.actor.name }, engine.ctx.now());
    role = found.arn;
  }
  const agent = await engine.ctx.step(async (tx) => {
    const found = await requireAgent(tx, name);
    await updateAgent(tx.db, found.id, { role });
    await recordAudit(tx.db, {
      ...by,
      action: "agent.update",
      target: auditTarget.agent(name),
      details: { role, before: found.role },
      at: tx.now(),
    });
    return found;
  });
  engine.ctx.log.info({ agent: name, role }, "agent role set");
  engine.ctx.events.publish({ type: "agent", agent: name });
  return agentDto(engine, { ...agent, role });
}

export async function removeAgent(engine: Engine, name: string, by: AuditOrigin): Promise<void> {
  const agent = await engine.ctx.step(async (tx) => {
    // Checked in the step that deletes: a job assigned meanwhile keeps the agent.
    const found = await requireAgent(tx, name);
    if (found.currentJobRunId !== null && engine.dispatcher.stateOf(found) === "building") {
      throw new FawkesError(
        ErrorCode.agentBusy,
        `agent ${name} is running a job: disable it and wait, or cancel the job first`,
      );
    }
    await deleteAgent(tx.db, found.id);
    await recordAudit(tx.db, {
      ...by,
      action: "agent.delete",
      target: auditTarget.agent(name),
      details: { id: found.id, hostname: found.hostname },
      at: tx.now(),
    });
    return found;
  });
  engine.dispatcher.wake(agent.id);
  engine.ctx.events.publish({ type: "agent", agent: name });
}
