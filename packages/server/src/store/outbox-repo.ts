/** The lifecycle outbox (migration 008): decisions a step took that the outbox worker carries out. */
import type { Executor } from "./executor.ts";

/**
 * - `stage-passed`: stage run `stageRunId` of `pipeline` passed: find the pipelines that depend on it (in the live
 *   config, which a server that just started may not have loaded yet when the stage passes).
 * - `downstream`: stage run `stageRunId` passed and `pipeline` depends on it: start its run from that stage.
 * - `changes`: `pipeline` became free (unlocked, unpaused): run the changes that arrived meanwhile.
 */
export type OutboxKind = "stage-passed" | "downstream" | "changes";

const kinds: readonly string[] = ["stage-passed", "downstream", "changes"] satisfies OutboxKind[];

export interface OutboxRow {
  id: number;
  kind: OutboxKind;
  pipeline: string;
  stageRunId: number | null;
  createdAt: number;
}

export async function insertOutboxRow(db: Executor, row: Omit<OutboxRow, "id">): Promise<void> {
  await db
    .insertInto("lifecycle_outbox")
    .values({
      kind: row.kind,
      pipeline: row.pipeline,
      stage_run_id: row.stageRunId,
      created_at: row.createdAt,
    })
    .execute();
}

/** Every row not consumed yet, oldest first. */
export async function listOutboxRows(db: Executor): Promise<OutboxRow[]> {
  const rows = await db.selectFrom("lifecycle_outbox").selectAll().orderBy("id").execute();
  return rows.flatMap((row) => {
    // A kind this version does not know (written by a newer server) stays for that server.
    if (!kinds.includes(row.kind)) return [];
    return [
      {
        id: row.id,
        kind: row.kind as OutboxKind,
        pipeline: row.pipeline,
        stageRunId: row.stage_run_id,
        createdAt: row.created_at,
      },
    ];
  });
}

/** Consumes a row; true if it was still there (a row is acted on once). */
export async function deleteOutboxRow(db: Executor, id: number): Promise<boolean> {
  const result = await db.deleteFrom("lifecycle_outbox").where("id", "=", id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
