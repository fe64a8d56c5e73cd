/**
 * Agent tokens: an agent rotates its own token (POST /agent/v1/token), and an administrator revokes one
 * (`fawkes agents revoke-token NAME`). Both write the agents table in a step, so the token cache
 * (engine/step-watched-cache.ts) drops the old token's entry and the old token is refused from the next request.
 * A revoked agent is pending again: it registers afresh with the registration key, under its name, and waits to
 * be enabled; the registration key alone never gets it back to work. Both record their audit entry in the step
 * (`agent.token.rotate`, actor the agent; `agent.token.revoke`, actor the administrator), never the token.
 */
import { randomBytes } from "node:crypto";
import { agentMachine, transition } from "@fawkes/core";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { Engine } from "../engine/engine.ts";
import { auditTarget, recordAudit, type AuditOrigin } from "./audit.ts";
import { findAgentById, findAgentByName, updateAgent } from "../store/agents-repo.ts";
import { hashToken, REVOKED_PREFIX } from "./register-agent.ts";

/** A new token for the agent `agentId`; the one it authenticated with stops working when this commits. */
export async function rotateAgentToken(
  engine: Engine,
  agentId: string,
  oldTokenHash: string,
  by: AuditOrigin,
): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await engine.ctx.step(async (tx) => {
    const agent = await findAgentById(tx.db, agentId);
    // Two rotations at once with the same token: the second finds the first's new token and is refused.
    if (!agent || agent.tokenHash !== oldTokenHash)
      throw new FawkesError(ErrorCode.unauthorized, "unknown agent token: register again");
    await updateAgent(tx.db, agent.id, { tokenHash: hashToken(token) });
    await recordAudit(tx.db, {
      ...by,
      action: "agent.token.rotate",
      target: auditTarget.agent(agent.name),
      details: { id: agent.id },
      at: tx.now(),
    });
    tx.log.info({ agentId, name: agent.name }, "agent token rotated");
  });
  return token;
}

/** Revokes the agent's token (it must register again with the key) and makes it pending. */
export async function revokeAgentToken(engine: Engine, name: string, by: AuditOrigin): Promise<void> {
  await engine.ctx.step(async (tx) => {
    const agent = await findAgentByName(tx.db, name);
    if (!agent)
      throw new FawkesError(
        ErrorCode.agentNotFound,
        `no agent named ${name}: list them with \`fawkes agents\``,
      );
    await updateAgent(tx.db, agent.id, {
      tokenHash: REVOKED_PREFIX + randomBytes(16).toString("hex"),
      configState: transition(agentMachine, agent.configState, "revokeToken"),
    });
    await recordAudit(tx.db, {
      ...by,
      action: "agent.token.revoke",
      target: auditTarget.agent(name),
      details: { id: agent.id, from: agent.configState },
      at: tx.now(),
    });
    tx.afterCommit(() => engine.dispatcher.wake(agent.id));
    tx.log.info({ agentId: agent.id, name }, "agent token revoked");
    tx.events.publish({ type: "agent", agent: name });
  });
  engine.dispatcher.kick("agents-changed");
}
