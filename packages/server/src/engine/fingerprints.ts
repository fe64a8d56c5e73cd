import type { DependencyMaterial, GitMaterial } from "@fawkes/core";

/** Identifies a material across pipelines: the same repository and branch, or the same upstream stage. */
export const gitFingerprint = (m: Pick<GitMaterial, "url" | "branch">): string => `${m.url}#${m.branch}`;
export const dependencyFingerprint = (m: Pick<DependencyMaterial, "pipeline" | "stage">): string =>
  `${m.pipeline}/${m.stage}`;
/** GoCD's dependency revision: `pipeline/counter/stage/stageCounter`. */
export const dependencyRevision = (s: {
  pipeline: string;
  pipelineCounter: number;
  name: string;
  counter: number;
}): string => `${s.pipeline}/${s.pipelineCounter}/${s.name}/${s.counter}`;
