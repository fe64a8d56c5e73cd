/**
 * One lifecycle step = one store transaction. A step takes the engine's mutex, opens a transaction and hands
 * its function a StepContext whose `db` is that transaction: every write of the step commits together or not
 * at all. Effects outside the database (events, dispatch kicks, wake-ups, answers to agents, console notes,
 * the outbox worker) are collected and run only after COMMIT; a rollback drops them.
 *
 * Both stores have a single connection, so a step that used another database handle would wait for itself
 * forever. The StepContext has no other database, and the store refuses, with an error, a connection asked
 * for from inside a step (store/connection-guard.ts); a step started inside a step is refused the same way.
 */
import type { ServerEvent } from "@fawkes/protocol";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { holdingConnection, holdsConnection } from "../store/connection-guard.ts";
import type { Database } from "../store/schema.ts";
import type { EngineServices, RunStep, StepContext } from "./context.ts";
import type { StepWatchedCache } from "./step-watched-cache.ts";
import type { FailpointCounter } from "./failpoint.ts";
import { Mutex } from "./mutex.ts";

export interface StepRunnerOptions {
  db: Kysely<Database>;
  services: EngineServices;
  publish(event: ServerEvent): void;
  log: Logger;
  failpoints?: FailpointCounter | undefined;
  /** Each dropped by every step that writes its table, and bypassed until that step ends. */
  caches?: readonly StepWatchedCache<unknown, object>[] | undefined;
}

/** Builds the engine's `step` (one mutex for the engine: steps run one at a time). */
export function stepRunner(options: StepRunnerOptions): RunStep {
  const mutex = new Mutex();
  const { db, services, publish, log, failpoints, caches = [] } = options;
  return <T>(fn: (tx: StepContext) => Promise<T>): Promise<T> => {
    if (holdsConnection())
      return Promise.reject(new Error("a step was started inside a step: call its parts instead"));
    return mutex.run(async () => {
      const state = { wrote: false };
      const effects: (() => void)[] = [];
      const watches = caches.map((cache) => cache.watch());
      let result: T;
      let committed = false;
      try {
        result = await holdingConnection((body) =>
          db.transaction().execute((trx) => {
            let tx = failpoints ? trx.withPlugin(failpoints.plugin(state)) : trx;
            for (const watch of watches) tx = tx.withPlugin(watch.plugin);
            return body(() => fn(stepContext(services, tx, effects)));
          }),
        );
        committed = true;
      } finally {
        for (const watch of watches) watch.ended(committed);
      }
      failpoints?.committed(state);
      for (const effect of effects) {
        try {
          effect();
        } catch (error) {
          log.error({ err: error }, "effect after a step failed");
        }
      }
      return result;
    });
  };

  function stepContext(base: EngineServices, trx: StepContext["db"], effects: (() => void)[]): StepContext {
    const afterCommit = (effect: () => void): void => {
      effects.push(effect);
    };
    return {
      options: base.options,
      log: base.log,
      config: base.config,
      fingerprints: base.fingerprints,
      get serverUrl() {
        return base.serverUrl;
      },
      get cloud() {
        return base.cloud;
      },
      get oidc() {
        return base.oidc;
      },
      clock: base.clock,
      now: () => base.now(),
      db: trx,
      events: { publish: (event) => afterCommit(() => publish(event)) },
      afterCommit,
    };
  }
}
