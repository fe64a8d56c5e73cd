/**
 * Whether a pipeline is still in the configuration, and its configured stages. A pipeline whose config is gone
 * keeps its history (readable) but cannot be triggered, rerun or approved, so pages show it as archived.
 */
import { ApiRoutes, type PipelineListDto } from "@fawkes/protocol";
import { affects } from "./event-match.ts";
import { useResource } from "./use-resource.ts";

/**
 * True when the server marks a pipeline as no longer configured. Read defensively: older servers send neither
 * field (a pipeline in their list is configured); newer ones may send `archived: true` or `configured: false`.
 */
export function isArchived(pipeline: object): boolean {
  const fields = pipeline as { archived?: unknown; configured?: unknown };
  return fields.archived === true || fields.configured === false;
}

export interface PipelineConfig {
  /** Undefined until the pipeline list arrived; false when the pipeline is absent from it or archived. */
  configured: boolean | undefined;
  /** Its stages in config order, when the list still has them. */
  stages: readonly string[] | undefined;
}

export function usePipelineConfig(pipeline: string): PipelineConfig {
  const { data } = useResource<PipelineListDto>(ApiRoutes.pipelines, affects.config);
  if (data === undefined) return { configured: undefined, stages: undefined };
  const entry = data.pipelines.find((candidate) => candidate.name === pipeline);
  return { configured: entry !== undefined && !isArchived(entry), stages: entry?.stages };
}
