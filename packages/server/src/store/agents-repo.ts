/** Agents (the admin's decision is stored; idle/building/lost are derived from heartbeats and jobs). */
import type { Executor } from "./executor.ts";
import type { AgentRecord } from "./records.ts";
import type { DbAgent } from "./schema.ts";

const toAgent = (row: DbAgent): AgentRecord => ({
  id: row.id,
  name: row.name,
  hostname: row.hostname,
  tokenHash: row.token_hash,
  configState: row.config_state as AgentRecord["configState"],
  resources: JSON.parse(row.resources_json) as string[],
  environments: JSON.parse(row.environments_json) as string[],
  registeredAt: row.registered_at,
  lastHeartbeatAt: row.last_heartbeat_at,
  currentJobRunId: row.current_job_run_id,
  role: row.role,
  previousTokenHash: row.previous_token_hash,
  previousTokenUntil: row.previous_token_until,
});

export async function insertAgent(db: Executor, agent: AgentRecord): Promise<void> {
  await db
    .insertInto("agents")
    .values({
      id: agent.id,
      name: agent.name,
      hostname: agent.hostname,
      token_hash: agent.tokenHash,
      config_state: agent.configState,
      resources_json: JSON.stringify(agent.resources),
      environments_json: JSON.stringify(agent.environments),
      registered_at: agent.registeredAt,
      last_heartbeat_at: agent.lastHeartbeatAt,
      current_job_run_id: agent.currentJobRunId,
      role: agent.role,
      deleted: 0,
    })
    .execute();
}

export async function listAgents(db: Executor): Promise<AgentRecord[]> {
  const rows = await db.selectFrom("agents").selectAll().where("deleted", "=", 0).orderBy("name").execute();
  return rows.map(toAgent);
}

export async function findAgentById(db: Executor, id: string): Promise<AgentRecord | undefined> {
  const row = await db
    .selectFrom("agents")
    .selectAll()
    .where("id", "=", id)
    .where("deleted", "=", 0)
    .executeTakeFirst();
  return row && toAgent(row);
}

export async function findAgentByName(db: Executor, name: string): Promise<AgentRecord | undefined> {
  const row = await db
    .selectFrom("agents")
    .selectAll()
    .where("name", "=", name)
    .where("deleted", "=", 0)
    .executeTakeFirst();
  return row && toAgent(row);
}

export async function updateAgent(
  db: Executor,
  id: string,
  patch: Partial<
    Pick<
      AgentRecord,
      | "hostname"
      | "tokenHash"
      | "configState"
      | "resources"
      | "environments"
      | "lastHeartbeatAt"
      | "currentJobRunId"
      | "role"
      | "previousTokenHash"
      | "previousTokenUntil"
    >
  >,
): Promise<void> {
  await db
    .updateTable("agents")
    .set({
      ...(patch.hostname !== undefined && { hostname: patch.hostname }),
      ...(patch.tokenHash !== undefined && { token_hash: patch.tokenHash }),
      ...(patch.configState !== undefined && { config_state: patch.configState }),
      ...(patch.resources !== undefined && { resources_json: JSON.stringify(patch.resources) }),
      ...(patch.environments !== undefined && { environments_json: JSON.stringify(patch.environments) }),
      ...(patch.lastHeartbeatAt !== undefined && { last_heartbeat_at: patch.lastHeartbeatAt }),
      ...(patch.currentJobRunId !== undefined && { current_job_run_id: patch.currentJobRunId }),
      ...(patch.role !== undefined && { role: patch.role }),
      ...(patch.previousTokenHash !== undefined && { previous_token_hash: patch.previousTokenHash }),
      ...(patch.previousTokenUntil !== undefined && { previous_token_until: patch.previousTokenUntil }),
    })
    .where("id", "=", id)
    .execute();
}

/** Stores one heartbeat time for many agents (one statement per 500: far below either store's parameter limit). */
export async function recordHeartbeats(db: Executor, ids: readonly string[], at: number): Promise<void> {
  for (let i = 0; i < ids.length; i += 500)
    await db
      .updateTable("agents")
      .set({ last_heartbeat_at: at })
      .where("id", "in", ids.slice(i, i + 500))
      .execute();
}

export async function deleteAgent(db: Executor, id: string): Promise<void> {
  await db.updateTable("agents").set({ deleted: 1 }).where("id", "=", id).execute();
}

export async function findAgentByTokenHash(
  db: Executor,
  tokenHash: string,
): Promise<AgentRecord | undefined> {
  const row = await db
    .selectFrom("agents")
    .selectAll()
    .where("token_hash", "=", tokenHash)
    .where("deleted", "=", 0)
    .executeTakeFirst();
  return row && toAgent(row);
}

/** The agent whose previous token has this hash while its rotation's grace lasts (`until` > `now`). */
export async function findAgentByPreviousTokenHash(
  db: Executor,
  tokenHash: string,
  now: number,
): Promise<AgentRecord | undefined> {
  const row = await db
    .selectFrom("agents")
    .selectAll()
    .where("previous_token_hash", "=", tokenHash)
    .where("previous_token_until", ">", now)
    .where("deleted", "=", 0)
    .executeTakeFirst();
  return row && toAgent(row);
}

/** Ends a rotation's grace once the new token is used: the previous token is refused from then on. */
export async function endTokenGrace(db: Executor, id: string, previousTokenHash: string): Promise<void> {
  await db
    .updateTable("agents")
    .set({ previous_token_hash: null, previous_token_until: null })
    .where("id", "=", id)
    .where("previous_token_hash", "=", previousTokenHash)
    .execute();
}
