/**
 * The outbox worker: carries out the decisions lifecycle steps wrote to the outbox (store/outbox-repo.ts) and
 * could not carry out themselves because they need git I/O: start a downstream pipeline, run the changes held
 * back by a lock or a pause. One row at a time, oldest first. A run started for a row consumes the row in the
 * run's own transaction (triggers.ts); a row that leads to no run is discarded after it was looked at. Rows a
 * crash left are taken when the server starts again.
 */
import { deleteOutboxRow, listOutboxRows, type OutboxRow } from "../store/outbox-repo.ts";
import type { EngineContext } from "./context.ts";

export class OutboxWorker {
  readonly #ctx: EngineContext;
  readonly #carryOut: (row: OutboxRow) => Promise<void>;
  #draining: Promise<void> | null = null;
  #again = false;

  constructor(ctx: EngineContext, carryOut: (row: OutboxRow) => Promise<void>) {
    this.#ctx = ctx;
    this.#carryOut = carryOut;
  }

  /** Takes the rows committed so far; many kicks while it works coalesce into one more pass. */
  kick(): void {
    void this.drain();
  }

  /** Resolves once every row committed before the call has been taken. */
  drain(): Promise<void> {
    if (this.#draining) {
      this.#again = true;
      return this.#draining;
    }
    this.#draining = (async () => {
      do {
        this.#again = false;
        await this.#pass();
      } while (this.#again);
    })().finally(() => {
      this.#draining = null;
    });
    return this.#draining;
  }

  async #pass(): Promise<void> {
    const ctx = this.#ctx;
    let rows: OutboxRow[];
    try {
      rows = await listOutboxRows(ctx.db);
    } catch (error) {
      ctx.log.error({ err: error }, "reading the outbox failed");
      return;
    }
    for (const row of rows) {
      try {
        await this.#carryOut(row);
      } catch (error) {
        ctx.log.error({ err: error, pipeline: row.pipeline, kind: row.kind }, "outbox row failed");
      }
      // Gone already if a run was started for it; otherwise its pipeline decided not to run (or failed).
      await ctx
        .step((tx) => deleteOutboxRow(tx.db, row.id))
        .catch((error: unknown) => ctx.log.error({ err: error }, "discarding an outbox row failed"));
    }
  }
}
