/** Signals of stacks' resources (migration 019). A repeated UniqueId for the same resource is stored once. */
import type { Executor } from "./executor.ts";

export interface StackSignalRecord {
  stackId: string;
  logicalId: string;
  uniqueId: string;
  status: "SUCCESS" | "FAILURE";
  reason: string;
  data: string;
  at: number;
}

/** Stores the signal; false when one with the same UniqueId was already stored (it counts once). */
export async function insertStackSignal(db: Executor, signal: StackSignalRecord): Promise<boolean> {
  const inserted = await db
    .insertInto("stack_signals")
    .values({
      stack_id: signal.stackId,
      logical_id: signal.logicalId,
      unique_id: signal.uniqueId,
      status: signal.status,
      reason: signal.reason,
      data: signal.data,
      at: signal.at,
    })
    .onConflict((oc) => oc.columns(["stack_id", "logical_id", "unique_id"]).doNothing())
    .returning("id")
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The signals of one resource (or handle), in the order they came. */
export async function stackSignals(
  db: Executor,
  stackId: string,
  logicalId: string,
): Promise<StackSignalRecord[]> {
  const rows = await db
    .selectFrom("stack_signals")
    .selectAll()
    .where("stack_id", "=", stackId)
    .where("logical_id", "=", logicalId)
    .orderBy("id")
    .execute();
  return rows.map((row) => ({
    stackId: row.stack_id,
    logicalId: row.logical_id,
    uniqueId: row.unique_id,
    status: row.status as StackSignalRecord["status"],
    reason: row.reason,
    data: row.data,
    at: Number(row.at),
  }));
}
