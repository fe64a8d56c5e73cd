/** How long an agent told of a repository's news counts as having fetched it. */
const WARM_MS = 5_000;

interface Told {
  at: number;
  /** Told of a push (no revision yet): the agent fetched after it, so it has what the push brought. */
  push: boolean;
}

/**
 * Decides which idle agents hear of a repository's news (a push, or a new revision the server found), and
 * remembers who heard, so that the run's jobs can go to agents whose mirrors are already fresh.
 * - Only as many agents as the news can give jobs to (`wanted`) are told: every other fetch is wasted work for
 *   the agent's host and the git server, and on a shared host it slows the server's own fetch. Agents that ran
 *   a job of the repository before come first: an agent fetches on a hint only into a mirror it already has.
 * - An agent told of a push is not told again of the revision that push brought: it fetched after the push,
 *   and waking it would end its long poll (and cost it a `git cat-file`) just as the new job is handed out.
 */
export class PrefetchHints {
  /** `agentId\nurl` → when and how the agent was last told. */
  readonly #told = new Map<string, Told>();
  /** url → agents given a job that checks it out (so they have a mirror of it); kept while the server runs. */
  readonly #mirrors = new Map<string, Set<string>>();

  /** Records that the agent was given a job checking out these repositories. */
  checkedOut(agentId: string, urls: readonly string[]): void {
    for (const url of urls) {
      let agents = this.#mirrors.get(url);
      if (!agents) this.#mirrors.set(url, (agents = new Set()));
      agents.add(agentId);
    }
  }

  /** The agents among `waiting` to tell of news about `url`; records them as told. */
  recipients(
    waiting: readonly string[],
    url: string,
    revision: string | undefined,
    wanted: number,
    now: number,
  ): string[] {
    this.#prune(now);
    const push = revision === undefined;
    let slots = wanted;
    if (!push) {
      // Agents that fetched after the push that brought this revision already count.
      for (const [key, told] of this.#told) if (told.push && key.endsWith(`\n${url}`)) slots--;
    }
    const mirrors = this.#mirrors.get(url);
    const ordered = mirrors
      ? [...waiting.filter((id) => mirrors.has(id)), ...waiting.filter((id) => !mirrors.has(id))]
      : waiting;
    const chosen: string[] = [];
    for (const agentId of ordered) {
      if (chosen.length >= slots) break;
      if (!push && this.#told.get(`${agentId}\n${url}`)?.push) continue;
      chosen.push(agentId);
      this.#told.set(`${agentId}\n${url}`, { at: now, push });
    }
    return chosen;
  }

  /** Whether the agent was told of news about any of `urls` recently (its mirror is likely fresh). */
  warm(agentId: string, urls: readonly string[], now: number): boolean {
    return urls.some((url) => {
      const told = this.#told.get(`${agentId}\n${url}`);
      return told !== undefined && now - told.at <= WARM_MS;
    });
  }

  #prune(now: number): void {
    for (const [key, told] of this.#told) if (now - told.at > WARM_MS) this.#told.delete(key);
  }
}
