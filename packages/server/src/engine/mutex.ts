/**
 * One async mutex serialises every change to runs, stages, jobs and agents. Git, console and artifact I/O
 * happen outside it, so holding it costs only a few SQLite statements (microseconds each).
 */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
