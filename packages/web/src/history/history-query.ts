/** Paging of the pipeline history (pure). */

export const RUNS_PER_PAGE = 25;

/** `?limit&offset` for a page, asking for one run more than shown to learn whether an older page exists. */
export function historyQuery(page: number): string {
  return `?limit=${RUNS_PER_PAGE + 1}&offset=${(page - 1) * RUNS_PER_PAGE}`;
}
