/**
 * Agents by token hash, in memory, so an agent's request is authenticated without a query (1,000 long-polling
 * agents make ~40 requests a second). The cache must never answer with an agent older than the committed row:
 * a disabled or deleted agent is refused by its very next request. So:
 * - every lifecycle step that writes the agents table (registration, enable/disable/delete, dispatch,
 *   completion, release, lost agents — whatever the write) is seen by a query plugin on the step's transaction
 *   ({@link AgentTokenCache.watch}), not by each caller remembering to say so;
 * - from that step's first write to agents until its end (COMMIT or rollback) the cache is bypassed and holds
 *   nothing; the bypassing lookup waits for the step's connection, so it reads the committed row;
 * - a lookup that began before a drop does not store what it read (the generation check);
 * - a miss (unknown token) is never cached: a registration makes it known at once.
 * Heartbeat times are written outside steps and not seen here: the cached record's `lastHeartbeatAt` may be old,
 * which nothing reads (the heartbeats' in-memory times come first).
 */
import type { KyselyPlugin, PluginTransformQueryArgs, RootOperationNode } from "kysely";
import type { AgentRecord } from "../store/records.ts";

export class AgentTokenCache {
  readonly #entries = new Map<string, AgentRecord>();
  #generation = 0;
  /** Steps between their first write to agents and their end. */
  #writing = 0;

  /** The agent with this token hash (a copy: callers may change it), from memory or from `load`. */
  async find(
    tokenHash: string,
    load: (tokenHash: string) => Promise<AgentRecord | undefined>,
  ): Promise<AgentRecord | undefined> {
    const cached = this.#writing === 0 ? this.#entries.get(tokenHash) : undefined;
    if (cached) return { ...cached };
    const generation = this.#generation;
    const agent = await load(tokenHash);
    if (agent && this.#writing === 0 && generation === this.#generation)
      this.#entries.set(tokenHash, { ...agent });
    return agent;
  }

  /** Forgets every agent. */
  drop(): void {
    this.#generation++;
    this.#entries.clear();
  }

  /**
   * A plugin for one step's transaction, and the function to call when the step ends (committed or not): the
   * step's first write to the agents table drops the cache and bypasses it until then.
   */
  watch(): { plugin: KyselyPlugin; ended(): void } {
    let wrote = false;
    return {
      plugin: {
        transformQuery: ({ node }: PluginTransformQueryArgs): RootOperationNode => {
          if (!wrote && writesAgents(node)) {
            wrote = true;
            this.#writing++;
            this.drop();
          }
          return node;
        },
        transformResult: ({ result }) => Promise.resolve(result),
      },
      ended: () => {
        if (!wrote) return;
        wrote = false;
        this.#writing--;
        this.drop();
      },
    };
  }
}

/** Whether the query is an INSERT, UPDATE or DELETE (or MERGE) naming the agents table anywhere. */
function writesAgents(node: RootOperationNode): boolean {
  const write =
    node.kind === "InsertQueryNode" ||
    node.kind === "UpdateQueryNode" ||
    node.kind === "DeleteQueryNode" ||
    node.kind === "MergeQueryNode";
  return write && namesTable(node, "agents");
}

function namesTable(node: unknown, table: string): boolean {
  if (node === null || typeof node !== "object") return false;
  const n = node as { kind?: unknown; table?: { identifier?: { name?: unknown } } };
  if (n.kind === "TableNode" && n.table?.identifier?.name === table) return true;
  return Object.values(node).some((child) => namesTable(child, table));
}
