/**
 * GoCD's fan-in rule, pure: the upstream runs a new run is built from must agree on every material they share
 * (directly or through their own upstreams). The server reads candidates and their ancestry from the store
 * (an {@link UpstreamSource}); these functions decide.
 */

/** Ancestor material fingerprint → the revision an upstream run was built from, transitively. */
export type Ancestry = ReadonlyMap<string, string>;

/**
 * The order in which dependency materials are chosen: the pinned one (the upstream whose stage just passed)
 * first, so every other choice must agree with it; otherwise as configured.
 */
export function fanInOrder<M extends { name: string }>(materials: readonly M[], pinned: string | null): M[] {
  return [...materials].sort((a, b) => Number(b.name === pinned) - Number(a.name === pinned));
}

/** True when `candidate` built no material at another revision than the runs already chosen (`chosen`). */
export function agreesWith(chosen: Ancestry, candidate: Ancestry): boolean {
  for (const [fingerprint, revision] of candidate) {
    const other = chosen.get(fingerprint);
    if (other !== undefined && other !== revision) return false;
  }
  return true;
}

/** Chooses `candidate` too: what the next choice must agree with. */
export function mergeAncestry(chosen: Ancestry, candidate: Ancestry): Ancestry {
  return new Map([...chosen, ...candidate]);
}

/** Where the search reads upstream runs from: the server's store, or a test's table. */
export interface UpstreamSource<M, S> {
  /** Passed runs of `material`'s upstream stage, newest first, as many as the search may backtrack over. */
  candidates(material: M): Promise<readonly S[]>;
  /**
   * Every material revision `candidate` was built from, transitively, with the dependency material itself at
   * the candidate's revision. Read only for candidates the search reaches.
   */
  ancestry(material: M, candidate: S): Promise<Ancestry>;
}

/** One dependency material and the upstream run chosen for it. */
export interface UpstreamChoice<M, S> {
  material: M;
  stage: S;
  ancestry: Ancestry;
}

/**
 * Picks one upstream run per dependency material so that all of them agree on every material they share: the
 * pinned material first (its run is given, not searched), then each other material's newest candidate that
 * agrees with those already chosen. Greedy, as GoCD's: an earlier choice is not revisited. Returns null when
 * some material has no agreeing candidate yet (the run waits for its upstreams).
 */
export async function chooseUpstreams<M extends { name: string }, S>(
  materials: readonly M[],
  pinned: { material: string; stage: S } | null,
  source: UpstreamSource<M, S>,
): Promise<UpstreamChoice<M, S>[] | null> {
  const chosen: UpstreamChoice<M, S>[] = [];
  let merged: Ancestry = new Map();
  for (const material of fanInOrder(materials, pinned?.material ?? null)) {
    const candidates =
      pinned?.material === material.name ? [pinned.stage] : await source.candidates(material);
    let picked: UpstreamChoice<M, S> | null = null;
    for (const stage of candidates) {
      const ancestry = await source.ancestry(material, stage);
      if (agreesWith(merged, ancestry)) {
        picked = { material, stage, ancestry };
        break;
      }
    }
    if (!picked) return null;
    merged = mergeAncestry(merged, picked.ancestry);
    chosen.push(picked);
  }
  return chosen;
}
