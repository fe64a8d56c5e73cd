/**
 * One async mutex serialises the lifecycle steps (step.ts): one step's transaction at a time. Git, console
 * and artifact I/O happen outside it, so holding it costs only a few statements (microseconds each on SQLite).
 */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
