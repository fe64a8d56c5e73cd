/**
 * Agent registration: a known key registers the agent (pending, or enabled with the auto-register key),
 * and it gets its own bearer token. An agent coming back with its token keeps its record, its token and its
 * jobs: re-registering is idempotent, so an answer lost on the way cannot leave the agent holding a token the
 * server has replaced. An agent back with the token a rotation replaced, during its grace (it died before saving
 * the new one: services/agent-tokens.ts), gets a new token instead, recorded as `agent.token.rotate`. An identity
 * that does not authenticate (deleted, or from another server) is refused
 * (401 FAWKES_AGENT_IDENTITY_UNKNOWN), and the agent registers afresh; a name is only ever given to a new record when no record holds it (a
 * name held by a record, whatever its state, is freed only by deleting that agent), so no one can take over an
 * agent's name, token or jobs with the registration key alone.
 */
import { hash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { agentMachine, transition } from "@fawkes/core";
import {
  AGENT_PROTOCOL_VERSION,
  ErrorCode,
  FawkesError,
  type LeaseId,
  type RegisterRequest,
  type RegisterResponse,
} from "@fawkes/protocol";
import type { Engine } from "../engine/engine.ts";
import { checkAgentRole } from "../identity/job-roles.ts";
import type { ServerKeys } from "../keys.ts";
import { findAgentById, findAgentByName, insertAgent, updateAgent } from "../store/agents-repo.ts";
import type { AgentRecord } from "../store/records.ts";
import { activeJobRuns } from "../store/stages-repo.ts";
import { auditTarget, recordAudit } from "./audit.ts";

/** SHA-256, hex. One-shot `hash`: every agent request hashes its token, and it allocates no Hash object. */
export const hashToken = (token: string): string => hash("sha256", token, "hex");

/** What a revoked agent's `token_hash` holds (services/agent-tokens.ts): never a SHA-256 hex (it has a colon). */
export const REVOKED_PREFIX = "revoked:";

export function isRevokedTokenHash(tokenHash: string): boolean {
  return tokenHash.startsWith(REVOKED_PREFIX);
}

/** Whether (services/agent-tokens.ts) `tokenHash` is the agent's previous token and its rotation's grace still lasts at `now`. */
export function inTokenGrace(agent: AgentRecord, tokenHash: string, now: number): boolean {
  return (
    typeof agent.previousTokenHash === "string" &&
    agent.previousTokenHash === tokenHash &&
    (agent.previousTokenUntil ?? 0) > now
  );
}

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export async function registerAgent(
  engine: Engine,
  keys: ServerKeys,
  request: RegisterRequest,
  sourceIp?: string,
): Promise<RegisterResponse> {
  const { ctx } = engine;
  if (request.protocolVersion !== AGENT_PROTOCOL_VERSION) {
    throw new FawkesError(
      ErrorCode.protocolVersion,
      `agent protocol ${request.protocolVersion} is not supported; this server speaks ${AGENT_PROTOCOL_VERSION}: upgrade the agent`,
    );
  }
  const auto = sameSecret(request.key, keys.autoRegisterKey);
  if (!auto && !sameSecret(request.key, keys.agentKey)) {
    throw new FawkesError(
      ErrorCode.unauthorized,
      "the agent registration key is wrong: use the key in <data-dir>/keys/agent-key",
    );
  }
  // `--role`: the registration key's holder gives the agent a role, as `fawkes agents set-role` would.
  let role: string | undefined;
  if (request.role !== undefined) {
    const found = await ctx.cloud?.sessions.roles.findRole(request.role);
    if (found === undefined)
      throw new FawkesError(
        ErrorCode.notFound,
        `no role ${request.role}: create it before giving it to an agent`,
      );
    // The registration key's holder is the operator who set the agent up, as a REST user is.
    checkAgentRole(found, request.name, { kind: "user", name: "registration-key" }, ctx.now());
    role = found.arn;
  }
  return ctx.step(async (tx) => {
    const now = tx.now();
    if (request.agentId !== undefined || request.token !== undefined) {
      const existing = request.agentId ? await findAgentById(tx.db, request.agentId) : undefined;
      const presented = request.token ? hashToken(request.token) : undefined;
      // Its current token, or the previous one during a rotation's grace (it died before saving the new one).
      const current =
        existing !== undefined && presented !== undefined && sameSecret(presented, existing.tokenHash);
      const previous =
        existing !== undefined && presented !== undefined && inTokenGrace(existing, presented, now);
      if (!existing || !request.token || !(current || previous)) {
        throw new FawkesError(
          ErrorCode.agentIdentityUnknown,
          "the agent's saved identity is not known to this server (the agent was deleted, or registered with another server): register without it",
        );
      }
      // Back with the token a rotation replaced (the new one never reached its disk): the rotation is finished
      // here, with a token of its own, while the grace of the old one keeps its end.
      const token = previous ? randomBytes(32).toString("base64url") : request.token;
      await updateAgent(tx.db, existing.id, {
        hostname: request.hostname,
        resources: request.resources,
        environments: request.environments,
        lastHeartbeatAt: now,
        ...(previous && { tokenHash: hashToken(token) }),
        ...(role !== undefined && { role }),
        ...(auto &&
          existing.configState === "pending" && {
            configState: transition(agentMachine, existing.configState, "enable"),
          }),
      });
      if (previous)
        await recordAudit(tx.db, {
          actor: { kind: "agent", name: existing.name },
          sourceIp,
          action: "agent.token.rotate",
          target: auditTarget.agent(existing.name),
          details: { id: existing.id, withPreviousToken: true, atRegistration: true },
          at: now,
        });
      if (auto && existing.configState === "pending")
        await recordAudit(tx.db, {
          actor: { kind: "agent", name: existing.name },
          sourceIp,
          action: "agent.enable",
          target: auditTarget.agent(existing.name),
          details: { from: existing.configState, by: "auto-register key" },
          at: now,
        });
      const fresh = (await findAgentById(tx.db, existing.id))!;
      // After COMMIT: touching may write the heartbeat time, which is no part of the step.
      tx.afterCommit(() => engine.dispatcher.touch(fresh));
      const held = (await activeJobRuns(tx.db))
        .filter((j) => j.agentId === existing.id)
        .map((j) => j.leaseId);
      const revoked = request.runningLeases.filter((lease) => !held.includes(lease));
      tx.log.info({ agentId: existing.id, name: fresh.name }, "agent re-registered");
      tx.events.publish({ type: "agent", agent: fresh.name });
      return {
        agentId: existing.id as RegisterResponse["agentId"],
        token,
        state: engine.dispatcher.stateOf(fresh),
        heartbeatIntervalMs: heartbeatInterval(engine),
        revokedLeases: revoked as LeaseId[],
      };
    }
    const sameName = await findAgentByName(tx.db, request.name);
    if (sameName && isRevokedTokenHash(sameName.tokenHash)) {
      // An administrator revoked this agent's token: whoever registers under its name with the key gets the
      // record back pending, with a new token, whatever the key; an administrator decides to enable it.
      const token = randomBytes(32).toString("base64url");
      await updateAgent(tx.db, sameName.id, {
        tokenHash: hashToken(token),
        hostname: request.hostname,
        resources: request.resources,
        environments: request.environments,
        lastHeartbeatAt: now,
      });
      const fresh = (await findAgentById(tx.db, sameName.id))!;
      tx.afterCommit(() => engine.dispatcher.touch(fresh));
      tx.log.info(
        { agentId: fresh.id, name: fresh.name },
        "agent registered again after its token was revoked",
      );
      tx.events.publish({ type: "agent", agent: fresh.name });
      return {
        agentId: fresh.id as RegisterResponse["agentId"],
        token,
        state: engine.dispatcher.stateOf(fresh),
        heartbeatIntervalMs: heartbeatInterval(engine),
        revokedLeases: request.runningLeases,
      };
    }
    if (sameName) {
      throw new FawkesError(
        ErrorCode.agentNameTaken,
        `an agent named ${request.name} is already registered: pick another --name, or delete it with \`fawkes agents delete ${request.name}\``,
      );
    }
    const token = randomBytes(32).toString("base64url");
    const id = randomUUID();
    const record = {
      id,
      name: request.name,
      hostname: request.hostname,
      tokenHash: hashToken(token),
      configState: auto ? ("enabled" as const) : ("pending" as const),
      resources: request.resources,
      environments: request.environments,
      registeredAt: now,
      lastHeartbeatAt: now,
      currentJobRunId: null,
      role: role ?? null,
    };
    await insertAgent(tx.db, record);
    // A new agent only: coming back with its token changes no one's access (no entry).
    await recordAudit(tx.db, {
      actor: { kind: "agent", name: request.name },
      sourceIp,
      action: "agent.register",
      target: auditTarget.agent(request.name),
      details: { id, hostname: request.hostname, state: record.configState, resources: request.resources },
      at: now,
    });
    tx.afterCommit(() => engine.dispatcher.touch(record));
    tx.log.info({ agentId: id, name: request.name, state: record.configState }, "agent registered");
    tx.events.publish({ type: "agent", agent: request.name });
    return {
      agentId: id as RegisterResponse["agentId"],
      token,
      state: engine.dispatcher.stateOf(record),
      heartbeatIntervalMs: heartbeatInterval(engine),
      revokedLeases: request.runningLeases,
    };
  });
}

function heartbeatInterval(engine: Engine): number {
  return Math.max(200, Math.min(5_000, Math.floor(engine.ctx.options.agentLostAfterMs / 4)));
}
