/**
 * GoCD's fan-in rule, pure: the upstream runs a new run is built from must agree on every material they share
 * (directly or through their own upstreams). The server reads candidates and their ancestry from the store;
 * these functions decide.
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
