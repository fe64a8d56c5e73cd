/** How long an agent told of a push counts as having fetched what that push brought. */
const PUSH_COVERS_MS = 5_000;

/**
 * Decides which idle agents hear of a material's news. A push (notify, webhook) is told to every idle agent,
 * which fetches at once; the revision that the push's own check finds a moment later is then no news to them,
 * and telling them anyway would end their long poll (and cost each a `git cat-file`) just as the new run's job
 * is being handed out. A revision seen by polling, with no push before it, is told to everyone.
 */
export class PrefetchHints {
  /** `agentId\nurl` → when the agent was told of a push to url. */
  readonly #pushes = new Map<string, number>();

  /** Whether to tell `agentId` of a push to `url` (no revision) or of its new `revision`; records pushes told. */
  tell(agentId: string, url: string, revision: string | undefined, now: number): boolean {
    const key = `${agentId}\n${url}`;
    if (revision === undefined) {
      this.#pushes.set(key, now);
      return true;
    }
    const pushedAt = this.#pushes.get(key);
    return pushedAt === undefined || now - pushedAt > PUSH_COVERS_MS;
  }

  /** Forgets pushes too old to matter (keeps the map as small as the set of recent pushes). */
  prune(now: number): void {
    for (const [key, at] of this.#pushes) if (now - at > PUSH_COVERS_MS) this.#pushes.delete(key);
  }
}
