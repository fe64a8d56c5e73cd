/**
 * Agent tokens: an agent rotates its own token (POST /agent/v1/token), and an administrator revokes one
 * (`fawkes agents revoke-token NAME`). Both write the agents table in a step, so the token cache
 * (engine/step-watched-cache.ts) drops the old token's entry.
 *
 * A rotation keeps the token it replaces valid for a grace ({@link AGENT_TOKEN_GRACE_MS}) that ends early, at the
 * first request made with the new token: an agent that dies between the server's answer and writing the new
 * token to disk comes back with the old one, and rotates again with it (the agent rotates at start when a
 * rotation was due). Once the new token has been used, the old one is refused from the next request. A lookup
 * through the previous token is never cached, so the grace's end is seen on time.
 *
 * A revoked agent is pending again: it registers afresh with the registration key, under its name, and waits to
 * be enabled; the registration key alone never gets it back to work. Both record their audit entry in the step
 * (`agent.token.rotate`, actor the agent; `agent.token.revoke`, actor the administrator), never the token.
 */
import { randomBytes } from "node:crypto";
import { agentMachine, transition } from "@fawkes/core";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { Engine } from "../engine/engine.ts";
import { auditTarget, recordAudit, type AuditOrigin } from "./audit.ts";
import {
  endTokenGrace,
  findAgentById,
  findAgentByName,
  findAgentByPreviousTokenHash,
  findAgentByTokenHash,
  updateAgent,
} from "../store/agents-repo.ts";
import type { AgentRecord } from "../store/records.ts";
import { hashToken, inTokenGrace, REVOKED_PREFIX } from "./register-agent.ts";

/**
 * How long a rotated-away token stays valid when the new one is not used (the agent died before saving it): long
 * enough for a supervisor, or a host's reboot, to bring the agent back.
 */
export const AGENT_TOKEN_GRACE_MS = 60 * 60_000;

/**
 * The agent a bearer token authenticates, or undefined: by its current token from the token cache (no query per
 * long poll), else by its previous token while a rotation's grace lasts — looked up each time, never cached, so
 * the grace's end is seen on time. The first request with a rotation's new token ends the grace.
 */
export async function agentOfToken(engine: Engine, tokenHash: string): Promise<AgentRecord | undefined> {
  const { ctx } = engine;
  const agent =
    (await engine.agentTokens.find(tokenHash, (hash) => findAgentByTokenHash(ctx.db, hash))) ??
    (await findAgentByPreviousTokenHash(ctx.db, tokenHash, ctx.now()));
  if (!agent) return undefined;
  const previous = agent.previousTokenHash;
  if (agent.tokenHash === tokenHash && typeof previous === "string") {
    await ctx.step(async (tx) => {
      await endTokenGrace(tx.db, agent.id, previous);
      tx.log.info(
        { agentId: agent.id, name: agent.name },
        "agent's new token in use; previous token refused",
      );
    });
    agent.previousTokenHash = null;
    agent.previousTokenUntil = null;
  }
  return agent;
}

/**
 * A new token for the agent `agentId`, which authenticated with the token hashed `usedTokenHash`: its current
 * token, or the previous one while its grace lasts (an agent that lost the new token). The token replaced stays
 * valid until the new one is used or the grace ends; a grace already running keeps its end.
 */
export async function rotateAgentToken(
  engine: Engine,
  agentId: string,
  usedTokenHash: string,
  by: AuditOrigin,
): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await engine.ctx.step(async (tx) => {
    const now = tx.now();
    const agent = await findAgentById(tx.db, agentId);
    const current = agent?.tokenHash === usedTokenHash;
    if (!agent || (!current && !inTokenGrace(agent, usedTokenHash, now)))
      throw new FawkesError(ErrorCode.unauthorized, "unknown agent token: register again");
    await updateAgent(tx.db, agent.id, {
      tokenHash: hashToken(token),
      ...(current
        ? { previousTokenHash: usedTokenHash, previousTokenUntil: now + AGENT_TOKEN_GRACE_MS }
        : {}),
    });
    await recordAudit(tx.db, {
      ...by,
      action: "agent.token.rotate",
      target: auditTarget.agent(agent.name),
      details: { id: agent.id, ...(!current && { withPreviousToken: true }) },
      at: now,
    });
    tx.log.info({ agentId, name: agent.name, withPreviousToken: !current }, "agent token rotated");
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
      previousTokenHash: null,
      previousTokenUntil: null,
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
