/**
 * What an agent may read with a lease: the job runs its held job's fetch tasks resolve to. Resolved once per
 * lease (the assignment pinned them; a lease names one assignment) and kept for the few leases in flight.
 */
import type { JobLocator } from "@fawkes/protocol";
import { fetchSourcesOf, type FetchSource } from "../engine/assignment.ts";
import type { Engine } from "../engine/engine.ts";
import type { JobRunRecord } from "../store/records.ts";

/** About one per running job; beyond it the oldest lease's sources are resolved again when asked. */
const LEASES_KEPT = 256;

const sameLocator = (a: JobLocator, b: JobLocator): boolean =>
  a.pipeline === b.pipeline &&
  a.counter === b.counter &&
  a.stage === b.stage &&
  a.stageCounter === b.stageCounter &&
  a.job === b.job;

export class FetchScope {
  readonly #engine: Engine;
  readonly #byLease = new Map<string, Promise<FetchSource[]>>();

  constructor(engine: Engine) {
    this.#engine = engine;
  }

  /** Whether `job` (held under `lease`) fetches `from`'s build artifacts, or its external artifact `artifactId`. */
  async allows(
    job: JobRunRecord,
    lease: string,
    from: JobLocator,
    artifactId: string | null,
  ): Promise<boolean> {
    const sources = await this.#sourcesOf(job, lease);
    return sources.some((s) => s.externalArtifactId === artifactId && sameLocator(s.from, from));
  }

  #sourcesOf(job: JobRunRecord, lease: string): Promise<FetchSource[]> {
    let sources = this.#byLease.get(lease);
    if (!sources) {
      sources = fetchSourcesOf(this.#engine.ctx, job);
      this.#byLease.set(lease, sources);
      sources.catch(() => this.#byLease.delete(lease));
      if (this.#byLease.size > LEASES_KEPT) this.#byLease.delete(this.#byLease.keys().next().value!);
    }
    return sources;
  }
}
