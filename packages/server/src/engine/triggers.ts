/**
 * What starts a pipeline run: a new git revision (webhook, notify, poll), an upstream stage passing,
 * a person (`fawkes trigger`), or the pipeline becoming free again (unpause, unlock).
 * Git work happens outside any step; only run creation is one (step.ts). The last two come from the outbox
 * (outbox-worker.ts): a run created for an outbox row consumes the row in its own transaction.
 */
import {
  chooseUpstreams,
  resolveTriggerVariables,
  undeclaredVariablesMessage,
  type GitMaterial,
  type PipelineConfig,
} from "@fawkes/core";
import { ErrorCode, FawkesError, type TriggerRequest } from "@fawkes/protocol";
import { shouldTrigger, type GitMirror } from "../materials/index.ts";
import { auditTarget, recordAudit, type AuditOrigin } from "../services/audit.ts";
import { deleteOutboxRow, insertOutboxRow, type OutboxRow } from "../store/outbox-repo.ts";
import type { RunRecord, StageRunRecord } from "../store/records.ts";
import {
  findPipeline,
  findRunById,
  latestRun,
  runMaterials,
  hasRunFromUpstream,
} from "../store/runs-repo.ts";
import { findStageRun } from "../store/stages-repo.ts";
import { listMaterials, saveMaterialRevision } from "../store/materials-repo.ts";
import { requireConfigured } from "./configured-pipeline.ts";
import type { EngineContext, ReadContext } from "./context.ts";
import { dependencyFingerprint, dependencyRevision } from "./fingerprints.ts";
import { dependencyMaterials, resolveRunMaterials, upstreamSource } from "./material-revisions.ts";
import { createRun, downstreamOf, type LifecycleHooks } from "./run-lifecycle.ts";

export class Triggers {
  readonly #ctx: EngineContext;
  readonly #hooks: LifecycleHooks;
  readonly #mirror: GitMirror;

  constructor(ctx: EngineContext, hooks: LifecycleHooks, mirror: GitMirror) {
    this.#ctx = ctx;
    this.#hooks = hooks;
    this.#mirror = mirror;
  }

  #gitMaterialsOf(fingerprint: string): { pipeline: PipelineConfig; material: GitMaterial }[] {
    const found = [];
    for (const pipeline of this.#ctx.config.snapshot().pipelines) {
      for (const material of pipeline.materials) {
        if (material.type === "git" && this.#ctx.fingerprints.git(material) === fingerprint)
          found.push({ pipeline, material });
      }
    }
    return found;
  }

  /** Why a pipeline may not start a run automatically now, or null. */
  async #blocked(config: PipelineConfig, read: ReadContext = this.#ctx): Promise<string | null> {
    const state = await findPipeline(read.db, config.name);
    if (state?.paused) return "paused";
    if (state?.lockedByCounter != null) return `locked by run ${state.lockedByCounter}`;
    if (config.stages[0]?.approval.type === "manual") return "first stage needs manual approval";
    return null;
  }

  /** A git material's branch moved to `sha`. */
  async onGitRevision(fingerprint: string, sha: string): Promise<RunRecord[]> {
    const uses = this.#gitMaterialsOf(fingerprint);
    const first = uses[0];
    if (!first) return [];
    if (uses.some((use) => use.material.autoUpdate)) this.#hooks.revisionSeen(first.material.url, sha);
    await saveMaterialRevision(
      this.#ctx.db,
      { fingerprint, url: first.material.url, branch: first.material.branch },
      sha,
      this.#ctx.now(),
    );
    const created: RunRecord[] = [];
    for (const { pipeline, material } of uses) {
      if (!material.autoUpdate) continue;
      try {
        created.push(...(await this.#triggerFromGit(pipeline, material, sha)));
      } catch (error) {
        this.#ctx.log.error({ err: error, pipeline: pipeline.name }, "material trigger failed");
      }
    }
    return created;
  }

  async #triggerFromGit(config: PipelineConfig, material: GitMaterial, sha: string): Promise<RunRecord[]> {
    const blocked = await this.#blocked(config);
    if (blocked) {
      this.#ctx.log.info({ pipeline: config.name, reason: blocked }, "material change waits");
      return [];
    }
    const fingerprint = this.#ctx.fingerprints.git(material);
    const previousRun = await latestRun(this.#ctx.db, config.name);
    const before = previousRun
      ? (await runMaterials(this.#ctx.db, previousRun.id)).find((m) => m.material === material.name)
      : undefined;
    if (before?.revision === sha) return [];
    const repo = await this.#mirror.ensure(material.url, sha);
    const commits = (await repo.commitsBetween(before?.revision ?? null, sha, 1000)).reverse();
    const wanted = before
      ? commits.filter((commit) => shouldTrigger(commit.files, material))
      : commits.slice(-1);
    if (wanted.length === 0) {
      this.#ctx.log.info(
        { pipeline: config.name, material: material.name },
        "changes ignored by material filter",
      );
      return [];
    }
    const revisions = material.runEveryCommit ? wanted.map((c) => c.sha) : [sha];
    const created: RunRecord[] = [];
    for (const revision of revisions) {
      const run = await this.#create(
        config,
        { kind: "material", user: "changes" },
        {},
        new Map([[fingerprint, revision]]),
        null,
      );
      if (run) created.push(run);
    }
    return created;
  }

  /**
   * Creates the run unless its upstreams cannot be made consistent (then it waits for them). `consumes` names
   * the outbox row the run is created for: consumed in the run's transaction, whether or not a run starts.
   * A manual trigger is audited (`pipeline.trigger`, by `audit`) in the run's transaction.
   */
  async #create(
    config: PipelineConfig,
    trigger: { kind: "material" | "manual" | "upstream"; user: string },
    request: Partial<TriggerRequest>,
    gitRevisions: Map<string, string>,
    fixed: { material: string; stage: StageRunRecord } | null,
    consumes?: number,
    audit?: AuditOrigin,
  ): Promise<RunRecord | null> {
    const upstreams = await chooseUpstreams(dependencyMaterials(config), fixed, upstreamSource(this.#ctx));
    if (!upstreams) {
      if (trigger.kind === "manual") {
        throw new FawkesError(
          ErrorCode.upstreamNotPassed,
          `pipeline ${config.name} has no consistent set of passed upstream runs yet`,
        );
      }
      return null;
    }
    // A git change that a dependency's ancestry built at another revision waits for that upstream (fan-in).
    for (const [fingerprint, revision] of gitRevisions) {
      for (const choice of upstreams) {
        const built = choice.ancestry.get(fingerprint);
        if (trigger.kind === "material" && built !== undefined && built !== revision) return null;
      }
    }
    const materials = await resolveRunMaterials(
      { ctx: this.#ctx, mirror: this.#mirror },
      { config, overrides: request.revisions ?? {}, gitRevisions, upstreams },
    );
    return this.#ctx.step(async (tx) => {
      if (consumes !== undefined && !(await deleteOutboxRow(tx.db, consumes))) return null;
      if (trigger.kind !== "manual" && (await this.#blocked(config, tx))) return null;
      // A person's trigger runs whatever changed; anything else runs only on a change since the latest run.
      const previous = trigger.kind === "manual" ? undefined : await latestRun(tx.db, config.name);
      if (previous) {
        const before = await runMaterials(tx.db, previous.id);
        const same = materials.every((m) =>
          before.some((b) => b.material === m.material && b.revision === m.revision),
        );
        if (same) return null;
      }
      const run = await createRun(tx, this.#hooks, {
        config,
        trigger,
        variables: request.variables ?? {},
        materials,
      });
      if (audit)
        await recordAudit(tx.db, {
          ...audit,
          action: "pipeline.trigger",
          target: auditTarget.run(run.pipeline, run.counter),
          // Variable names only: a trigger-time value may be a secret.
          details: {
            label: run.label,
            variables: Object.keys(request.variables ?? {}).sort(),
            revisions: request.revisions ?? {},
          },
          at: tx.now(),
        });
      return run;
    });
  }

  /** `fawkes trigger`: a person asks for a run now (audited as `pipeline.trigger`). */
  async triggerManual(name: string, request: TriggerRequest, by: AuditOrigin): Promise<RunRecord> {
    const user = by.actor.name;
    const config = await requireConfigured(this.#ctx, name);
    this.#checkVariables(config, request.variables);
    const state = await findPipeline(this.#ctx.db, name);
    if (state?.paused)
      throw new FawkesError(
        ErrorCode.pipelinePaused,
        `pipeline ${name} is paused: unpause it with \`fawkes unpause ${name}\``,
      );
    if (state?.lockedByCounter != null) {
      throw new FawkesError(
        ErrorCode.pipelineLocked,
        `pipeline ${name} is locked by run ${state.lockedByCounter} (lock_behavior ${config.lockBehavior})`,
      );
    }
    const run = await this.#create(config, { kind: "manual", user }, request, new Map(), null, undefined, by);
    if (!run) throw new FawkesError(ErrorCode.pipelineLocked, `pipeline ${name} could not start a run now`);
    return run;
  }

  /** Refuses, before anything is written, a trigger that sets a variable the pipeline does not declare. */
  #checkVariables(config: PipelineConfig, variables: Readonly<Record<string, string>>): void {
    const environment = this.#ctx.config.environment(config.environment);
    const checked = resolveTriggerVariables(config, environment, variables);
    if (checked.undeclared.length === 0) return;
    throw new FawkesError(
      ErrorCode.undeclaredVariable,
      undeclaredVariablesMessage(config.name, checked.undeclared),
      {
        errors: checked.undeclared.map((variable) => ({
          path: `variables.${variable}`,
          message: `not declared by pipeline ${config.name}`,
        })),
      },
    );
  }

  /** Carries out an outbox row (outbox-worker.ts); a run it starts consumes the row in the same transaction. */
  async fromOutbox(row: OutboxRow): Promise<void> {
    if (row.kind === "stage-passed") {
      await this.#fanOut(row);
      return;
    }
    if (row.kind === "changes") {
      await this.checkForChanges(row.pipeline, row.id);
      return;
    }
    const stage = row.stageRunId === null ? undefined : await findStageRun(this.#ctx.db, row.stageRunId);
    const run = stage && (await findRunById(this.#ctx.db, stage.runId));
    if (stage && run) await this.#startDownstream(row.pipeline, run, stage, row.id);
  }

  /** A passed stage becomes one `downstream` row per pipeline that depends on it, in one transaction. */
  async #fanOut(row: OutboxRow): Promise<void> {
    await this.#ctx.step(async (tx) => {
      if (!(await deleteOutboxRow(tx.db, row.id))) return;
      const stage = row.stageRunId === null ? undefined : await findStageRun(tx.db, row.stageRunId);
      if (!stage) return;
      for (const pipeline of downstreamOf(tx, row.pipeline, stage.name))
        await insertOutboxRow(tx.db, {
          kind: "downstream",
          pipeline,
          stageRunId: stage.id,
          createdAt: tx.now(),
        });
      tx.afterCommit(this.#hooks.outboxWritten);
    });
  }

  /** Upstream stage `stage` passed: start downstream pipeline `name` from it (once per upstream run). */
  async #startDownstream(
    name: string,
    run: RunRecord,
    stage: StageRunRecord,
    consumes: number,
  ): Promise<void> {
    const config = this.#ctx.config.pipeline(name);
    const fingerprint = dependencyFingerprint({ pipeline: run.pipeline, stage: stage.name });
    const material = config?.materials.find(
      (m) => m.type === "dependency" && dependencyFingerprint(m) === fingerprint,
    );
    if (!config || material?.type !== "dependency" || material.ignoreForScheduling) return;
    if (await this.#blocked(config)) return;
    const revision = dependencyRevision(stage);
    if (await hasRunFromUpstream(this.#ctx.db, config.name, revision, fingerprint)) return;
    await this.#create(
      config,
      { kind: "upstream", user: "changes" },
      {},
      new Map(),
      { material: material.name, stage },
      consumes,
    );
  }

  /** After unpause or unlock: run what changed meanwhile (for outbox row `consumes`, if given). */
  async checkForChanges(name: string, consumes?: number): Promise<void> {
    const config = this.#ctx.config.pipeline(name);
    if (!config || (await this.#blocked(config))) return;
    const previous = await latestRun(this.#ctx.db, name);
    const gitRevisions = new Map<string, string>();
    if (previous) {
      const before = await runMaterials(this.#ctx.db, previous.id);
      for (const material of config.materials) {
        if (material.type !== "git" || !material.autoUpdate) continue;
        const known = (await listMaterials(this.#ctx.db)).find(
          (m) => m.fingerprint === this.#ctx.fingerprints.git(material),
        )?.lastRevision;
        const was = before.find((b) => b.material === material.name)?.revision;
        if (known && known !== was) gitRevisions.set(this.#ctx.fingerprints.git(material), known);
      }
      if (gitRevisions.size === 0) return;
    } else if (!config.materials.some((m) => m.type === "git" && m.autoUpdate)) {
      return;
    }
    await this.#create(config, { kind: "material", user: "changes" }, {}, gitRevisions, null, consumes).catch(
      (error: unknown) => this.#ctx.log.error({ err: error, pipeline: name }, "trigger after unlock failed"),
    );
  }
}
