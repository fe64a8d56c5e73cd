/**
 * Cleanup that runs in reverse order of registration (agents stop before their server, processes before their
 * temp dirs). node:test runs `t.after` hooks in registration order, so every helper registers here instead and a
 * single `t.after` per test drains the stack.
 */

/** What the helpers need from a test: node:test's TestContext fits, and so does a `CleanupStack` (bench). */
export interface CleanupScope {
  after(fn: () => unknown): void;
}

type CleanupFn = () => unknown;

const stacks = new WeakMap<CleanupScope, CleanupFn[]>();

/** Register `fn` to run when `scope` ends, after everything registered later. */
export function onCleanup(scope: CleanupScope, fn: CleanupFn): void {
  let stack = stacks.get(scope);
  if (stack === undefined) {
    const created: CleanupFn[] = [];
    stacks.set(scope, created);
    scope.after(() => drain(created));
    stack = created;
  }
  stack.push(fn);
}

async function drain(stack: CleanupFn[]): Promise<void> {
  const failures: unknown[] = [];
  while (stack.length > 0) {
    const fn = stack.pop() as CleanupFn;
    try {
      await fn();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, "several cleanups failed");
}

/** A scope outside node:test (scripts such as the bench): call `close()` when done. */
export class CleanupStack implements CleanupScope {
  readonly #hooks: CleanupFn[] = [];
  after(fn: () => unknown): void {
    this.#hooks.push(fn);
  }
  async close(): Promise<void> {
    // Newest first, like the per-test stacks.
    const hooks = this.#hooks.splice(0).reverse();
    for (const hook of hooks) await hook();
  }
}
