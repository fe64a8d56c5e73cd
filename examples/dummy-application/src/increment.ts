/** The workshop's one pure function. Break it (e.g. `x + 2`) and watch the pipeline's `test` stage fail. */
export function increment(x: number): number {
  return x + 1;
}
