/**
 * The outbox worker: carries out the decisions lifecycle steps wrote to the outbox (store/outbox-repo.ts) and
 * could not carry out themselves because they need git I/O: start a downstream pipeline, run the changes held
 * back by a lock or a pause. It starts once the engine has loaded the config (a row is read against the live
 * config), and then takes one row at a time, oldest first. A run started for a row consumes the row in the
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
  #started = false;

  constructor(ctx: EngineContext, carryOut: (row: OutboxRow) => Promise<void>) {
    this.#ctx = ctx;
    this.#carryOut = carryOut;
  }

  /** Takes the rows left by an earlier process, then every row as it is committed. */
  start(): void {
    this.#started = true;
    this.kick();
  }

  /** Takes the rows committed so far; many kicks while it works coalesce into one more pass. */
  kick(): void {
    void this.drain();
  }

  /** Resolves once every row committed before the call has been taken (at once before `start`). */
  drain(): Promise<void> {
    if (!this.#started) return Promise.resolve();
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
