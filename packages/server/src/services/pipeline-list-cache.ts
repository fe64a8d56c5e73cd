/**
 * The dashboard's pipeline list (`GET /api/v1/pipelines`), kept as one JSON fragment per pipeline and rebuilt
 * only for the pipelines that changed since: with 200 pipelines a request is then a string join instead of
 * five queries over every latest run. What changes a pipeline's summary publishes an event (the web UI's live
 * updates rely on the same events): run and pipeline events name it, agent events touch the pipelines whose
 * jobs wait for or ran on an agent, config events touch all. A waiting job's reason also depends on the clock
 * (an agent goes lost when its heartbeats stop), so such entries are rebuilt once they are a second old.
 */
import type { PipelineSummaryDto, ServerEvent } from "@fawkes/protocol";
import type { Engine } from "../engine/engine.ts";
import { pipelineSummaries } from "./pipeline-status.ts";

const WAITING_ENTRY_TTL_MS = 1000;

interface Entry {
  json: string;
  /** Agents named by the latest run's jobs. */
  agents: ReadonlySet<string>;
  /** Built at (epoch ms) when a job of the latest run waits for an agent; null otherwise. */
  waitingSince: number | null;
}

export class PipelineListCache {
  readonly #engine: Engine;
  readonly #unsubscribe: () => void;
  #entries = new Map<string, Entry>();
  /** Archived pipelines (history, no config), by name: found on every full rebuild (a config change). */
  #archived: string[] = [];
  /** The last answer, while no entry is stale. */
  #body: Buffer | null = null;
  #snapshot: unknown = null;
  /** Bumped by every event; a mark keeps the value at which it was last set, so a change that lands while a
   * rebuild is reading the store stays marked for the next request. */
  #sequence = 0;
  readonly #dirty = new Map<string, number>();
  /** Sequence at which every entry went stale; 0 when none did (the first request sees a new snapshot). */
  #allDirtyAt = 0;

  constructor(engine: Engine) {
    this.#engine = engine;
    this.#unsubscribe = engine.ctx.events.subscribe((event) => this.#onEvent(event));
  }

  close(): void {
    this.#unsubscribe();
  }

  /**
   * `{"pipelines":[…],"archived":[…]}`, in config order then by name: a serialised PipelineListDto, UTF-8. The
   * encoded answer itself is kept until something changes: at 2,000 pipelines it is ~2 MB, and joining and
   * encoding it for every request was half the request's CPU and most of its garbage.
   */
  async json(): Promise<Buffer> {
    const snapshot = this.#engine.ctx.config.snapshot();
    if (snapshot !== this.#snapshot) this.#markAll();
    this.#markWaitingEntriesOlderThan(this.#engine.ctx.now() - WAITING_ENTRY_TTL_MS);
    const started = this.#sequence;
    const everything = this.#allDirtyAt !== 0;
    if (!everything && this.#dirty.size === 0 && this.#body) return this.#body;
    if (everything || this.#dirty.size > 0) {
      const stale = everything ? undefined : new Set(this.#dirty.keys());
      const summaries = await pipelineSummaries(this.#engine, stale);
      const entries = everything ? new Map<string, Entry>() : this.#entries;
      const now = this.#engine.ctx.now();
      for (const summary of summaries) entries.set(summary.name, entryOf(summary, now));
      if (everything) this.#archived = summaries.filter((s) => s.archived).map((s) => s.name);
      this.#entries = entries;
      this.#snapshot = snapshot;
      if (this.#allDirtyAt <= started) this.#allDirtyAt = 0;
      for (const [name, markedAt] of this.#dirty) {
        if (markedAt <= started && (everything || stale!.has(name))) this.#dirty.delete(name);
      }
    }
    const parts: string[] = [];
    for (const pipeline of snapshot.pipelines) {
      const entry = this.#entries.get(pipeline.name);
      if (entry) parts.push(entry.json);
    }
    const archived: string[] = [];
    for (const name of this.#archived) {
      const entry = this.#entries.get(name);
      if (entry) archived.push(entry.json);
    }
    const body = Buffer.from(`{"pipelines":[${parts.join(",")}],"archived":[${archived.join(",")}]}`);
    // Kept only if nothing was marked while the store was read: such a change must show in the next answer.
    this.#body = this.#sequence === started ? body : null;
    return body;
  }

  #onEvent(event: ServerEvent): void {
    this.#sequence++;
    switch (event.type) {
      case "run":
      case "pipeline":
        this.#dirty.set(event.pipeline, this.#sequence);
        break;
      case "config":
        this.#markAll();
        break;
      case "agent":
        for (const [name, entry] of this.#entries) {
          if (entry.waitingSince !== null || entry.agents.has(event.agent))
            this.#dirty.set(name, this.#sequence);
        }
        break;
    }
  }

  #markAll(): void {
    this.#allDirtyAt = ++this.#sequence;
  }

  #markWaitingEntriesOlderThan(cutoff: number): void {
    for (const [name, entry] of this.#entries) {
      if (entry.waitingSince !== null && entry.waitingSince < cutoff && !this.#dirty.has(name)) {
        this.#dirty.set(name, this.#sequence);
      }
    }
  }
}

function entryOf(summary: PipelineSummaryDto, now: number): Entry {
  const jobs = summary.latest?.stages.flatMap((stage) => stage.jobs) ?? [];
  return {
    json: JSON.stringify(summary),
    agents: new Set(jobs.flatMap((job) => (job.agent === null ? [] : [job.agent]))),
    waitingSince: jobs.some((job) => job.state === "scheduled") ? now : null,
  };
}
