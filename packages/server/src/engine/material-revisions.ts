/**
 * Chooses the material revisions of a new run: git heads (or chosen commits), and for dependency materials
 * the store side of the fan-in search (GoCD's fan-in: runs that share an ancestor material must have built
 * the same revision of it; backtracks up to 100 upstream runs). The fan-in decision is core's `chooseUpstreams`.
 */
import {
  mergeAncestry,
  type Ancestry,
  type DependencyMaterial,
  type UpstreamChoice as CoreUpstreamChoice,
  type UpstreamSource,
  type GitMaterial,
  type PipelineConfig,
} from "@fawkes/core";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { lsRemote, type GitMirror, type MirrorRepo } from "../materials/index.ts";
import type { RunMaterialRecord, StageRunRecord } from "../store/records.ts";
import { findRunById, latestRunMaterials, runMaterialsOf } from "../store/runs-repo.ts";
import { passedStageRuns } from "../store/stages-repo.ts";
import { listMaterials } from "../store/materials-repo.ts";
import type { EngineContext } from "./context.ts";
import { dependencyFingerprint, dependencyRevision } from "./fingerprints.ts";

const FAN_IN_BACKTRACK = 100;
const ANCESTRY_DEPTH = 10;

export interface RevisionDeps {
  ctx: EngineContext;
  mirror: GitMirror;
}

/** Every material revision an upstream run was built from, transitively. */
export async function ancestryOf(
  ctx: EngineContext,
  runId: number,
  depth = ANCESTRY_DEPTH,
): Promise<Map<string, string>> {
  const ancestry = new Map<string, string>();
  let frontier = [runId];
  for (let level = 0; level < depth && frontier.length > 0; level++) {
    const byRun = await runMaterialsOf(ctx.db, frontier);
    frontier = [];
    for (const materials of byRun.values()) {
      for (const m of materials) {
        if (!ancestry.has(m.fingerprint)) ancestry.set(m.fingerprint, m.revision);
        if (m.upstreamRunId !== null) frontier.push(m.upstreamRunId);
      }
    }
  }
  return ancestry;
}

/** An upstream run chosen for a dependency material (core's fan-in decides which). */
type UpstreamChoice = CoreUpstreamChoice<DependencyMaterial, StageRunRecord>;

/**
 * The store side of the fan-in search (core's `chooseUpstreams`): each material's passed upstream stage runs,
 * newest first, up to 100 back, and what each was built from, read only when the search reaches it.
 */
export function upstreamSource(ctx: EngineContext): UpstreamSource<DependencyMaterial, StageRunRecord> {
  return {
    candidates: (material) => passedStageRuns(ctx.db, material.pipeline, material.stage, FAN_IN_BACKTRACK),
    async ancestry(material, stage) {
      const ancestry = await ancestryOf(ctx, stage.runId);
      ancestry.set(dependencyFingerprint(material), dependencyRevision(stage));
      return ancestry;
    },
  };
}

/** The dependency materials of `config`, the ones fan-in chooses upstream runs for. */
export const dependencyMaterials = (config: PipelineConfig): DependencyMaterial[] =>
  config.materials.filter((m): m is DependencyMaterial => m.type === "dependency");

/**
 * Head of a git material's branch: what the watcher last saw (as GoCD, a manual trigger builds the latest
 * known revisions), or — when nothing was seen yet — asked of the remote now (`git ls-remote`, no fetch).
 */
async function headOf(deps: RevisionDeps, material: GitMaterial): Promise<string> {
  const fingerprint = deps.ctx.fingerprints.git(material);
  const known = (await listMaterials(deps.ctx.db)).find((m) => m.fingerprint === fingerprint)?.lastRevision;
  if (known) return known;
  const sha = await lsRemote(material.url, material.branch);
  if (!sha)
    throw new FawkesError(
      ErrorCode.branchNotFound,
      `branch ${material.branch} does not exist in material ${material.name}`,
    );
  return sha;
}

export interface ResolveInput {
  config: PipelineConfig;
  /** Material name → revision chosen by the user (full or abbreviated SHA). */
  overrides: Record<string, string>;
  /** Git fingerprint → revision that triggered this run. */
  gitRevisions: Map<string, string>;
  upstreams: UpstreamChoice[];
}

/** Builds the run's material rows: revision, the batch's first revision, description, changed flag. */
export async function resolveRunMaterials(
  deps: RevisionDeps,
  input: ResolveInput,
): Promise<RunMaterialRecord[]> {
  const { ctx } = deps;
  for (const name of Object.keys(input.overrides)) {
    if (!input.config.materials.some((m) => m.name === name)) {
      throw new FawkesError(
        ErrorCode.materialNotFound,
        `pipeline ${input.config.name} has no material named ${name}`,
      );
    }
  }
  const previous = await latestRunMaterials(ctx.db, input.config.name);
  const upstreamAncestry = input.upstreams.reduce<Ancestry>(
    (merged, choice) => mergeAncestry(merged, choice.ancestry),
    new Map(),
  );
  const rows: RunMaterialRecord[] = [];
  for (const material of input.config.materials) {
    const before = previous.find((p) => p.material === material.name);
    if (material.type === "git") {
      const fingerprint = ctx.fingerprints.git(material);
      const override = input.overrides[material.name];
      let revision: string | null;
      let repo: MirrorRepo;
      if (override !== undefined) {
        repo = await deps.mirror.ensure(material.url);
        revision = await repo.resolve(override);
        if (!revision)
          throw new FawkesError(
            ErrorCode.invalidRevision,
            `revision ${override} not found in material ${material.name}`,
          );
      } else {
        revision =
          input.gitRevisions.get(fingerprint) ??
          upstreamAncestry.get(fingerprint) ??
          (await headOf(deps, material));
        repo = await deps.mirror.ensure(material.url, revision);
      }
      if (before?.revision === revision) {
        rows.push({ ...before, fingerprint, changed: false });
        continue;
      }
      const commits = await repo.commitsBetween(before?.revision ?? null, revision, 100).catch(() => []);
      rows.push({
        material: material.name,
        type: "git",
        fingerprint,
        revision,
        fromRevision: commits.at(-1)?.sha ?? revision,
        description: commits[0]?.subject ?? "",
        changed: true,
        upstreamRunId: null,
      });
    } else {
      const choice = input.upstreams.find((u) => u.material.name === material.name);
      if (!choice) {
        throw new FawkesError(
          ErrorCode.upstreamNotPassed,
          `upstream pipeline ${material.pipeline} has no passed run of stage ${material.stage} yet`,
        );
      }
      const revision = dependencyRevision(choice.stage);
      const upstreamLabel = await upstreamLabelOf(ctx, choice.stage);
      rows.push({
        material: material.name,
        type: "dependency",
        fingerprint: dependencyFingerprint(material),
        revision,
        fromRevision: revision,
        description: upstreamLabel,
        changed: before?.revision !== revision,
        upstreamRunId: choice.stage.runId,
      });
    }
  }
  return rows;
}

async function upstreamLabelOf(ctx: EngineContext, stage: StageRunRecord): Promise<string> {
  return (await findRunById(ctx.db, stage.runId))?.label ?? String(stage.pipelineCounter);
}
