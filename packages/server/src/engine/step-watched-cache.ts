/**
 * Rows of one table in memory, for the questions asked on every agent request (which agent holds this token,
 * does it still hold this job's lease), so they are answered without a query. A cache must never answer with a
 * row older than the committed one: a disabled agent, or a job cancelled or handed to another agent, is refused
 * by the very next request. So:
 * - every lifecycle step that writes the table (whatever the write) is seen by a query plugin on the step's
 *   transaction ({@link StepWatchedCache.watch}), not by each caller remembering to say so;
 * - from that step's first write to the table until its end (COMMIT or rollback) the cache is bypassed and
 *   holds nothing; the bypassing lookup waits for the step's connection, so it reads the committed row;
 * - a lookup that began before a drop does not store what it read (the generation check);
 * - a miss is never cached: a registration makes an agent known at once.
 * A write outside steps (a job's fenced state report) updates its entry with {@link StepWatchedCache.update}.
 * A write the cache knows how to apply (`patchOf`: dispatch and completion setting an agent's current job) is
 * applied to the entries when its step commits, instead of dropping them all; anything else, or a rollback, drops.
 */
import type { KyselyPlugin, PluginTransformQueryArgs, RootOperationNode } from "kysely";

/** How a recognised write changes cached rows: the new row, or the same row when it is not the one written. */
export type RowPatch<V> = (row: V) => V;

export class StepWatchedCache<K, V extends object> {
  readonly #table: string;
  readonly #patchOf: (node: RootOperationNode) => RowPatch<V> | undefined;
  readonly #entries = new Map<K, V>();
  #generation = 0;
  /** Steps between their first write to the table and their end. */
  #writing = 0;

  constructor(
    table: string,
    patchOf: (node: RootOperationNode) => RowPatch<V> | undefined = () => undefined,
  ) {
    this.#table = table;
    this.#patchOf = patchOf;
  }

  /** The row under `key` (a copy: callers may change it), from memory or from `load`. */
  async find(key: K, load: (key: K) => Promise<V | undefined>): Promise<V | undefined> {
    const cached = this.#writing === 0 ? this.#entries.get(key) : undefined;
    if (cached) return { ...cached };
    const generation = this.#generation;
    const row = await load(key);
    if (row) this.#store(key, row, generation);
    return row;
  }

  /** Where the cache is now: pass it to {@link update} after a write made outside steps. */
  get generation(): number {
    return this.#generation;
  }

  /** Stores `row` as written by a statement outside steps that began at `generation`, unless a step wrote since. */
  update(key: K, row: V, generation: number): void {
    this.#store(key, row, generation);
  }

  /** Forgets every row. */
  drop(): void {
    this.#generation++;
    this.#entries.clear();
  }

  #store(key: K, row: V, generation: number): void {
    if (this.#writing === 0 && generation === this.#generation) this.#entries.set(key, { ...row });
  }

  /**
   * A plugin for one step's transaction, and the function to call when the step ends: from the step's first
   * write to the table the cache is bypassed (and lookups already reading keep nothing); at the end the step's
   * writes are applied to the entries if it committed and every write was one `patchOf` knows, else all drop.
   */
  watch(): { plugin: KyselyPlugin; ended(committed: boolean): void } {
    let wrote = false;
    let patches: RowPatch<V>[] | undefined = [];
    return {
      plugin: {
        transformQuery: ({ node }: PluginTransformQueryArgs): RootOperationNode => {
          if (!writesTable(node, this.#table)) return node;
          if (!wrote) {
            wrote = true;
            this.#writing++;
            this.#generation++;
          }
          const patch = patches && this.#patchOf(node);
          if (patch) patches?.push(patch);
          else patches = undefined;
          return node;
        },
        transformResult: ({ result }) => Promise.resolve(result),
      },
      ended: (committed) => {
        if (!wrote) return;
        wrote = false;
        this.#writing--;
        if (!committed || patches === undefined) this.drop();
        else {
          this.#generation++;
          for (const [key, row] of this.#entries)
            this.#entries.set(
              key,
              patches.reduce((r, p) => p(r), row),
            );
        }
      },
    };
  }
}

/** Whether the query is an INSERT, UPDATE or DELETE (or MERGE) naming `table` anywhere. */
function writesTable(node: RootOperationNode, table: string): boolean {
  const write =
    node.kind === "InsertQueryNode" ||
    node.kind === "UpdateQueryNode" ||
    node.kind === "DeleteQueryNode" ||
    node.kind === "MergeQueryNode";
  return write && namesTable(node, table);
}

function namesTable(node: unknown, table: string): boolean {
  if (node === null || typeof node !== "object") return false;
  const n = node as { kind?: unknown; table?: { identifier?: { name?: unknown } } };
  if (n.kind === "TableNode" && n.table?.identifier?.name === table) return true;
  return Object.values(node).some((child) => namesTable(child, table));
}
