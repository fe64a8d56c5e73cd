/**
 * A pipeline's live config, for the operations that need one (trigger, pause, unpause, approve, rerun). A
 * pipeline with history whose config is gone is archived (docs/errors.md FAWKES_PIPELINE_ARCHIVED): refused with
 * 409 and a detail that says so, not "no pipeline named" while its runs are still shown.
 */
import type { PipelineConfig } from "@fawkes/core";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { findPipeline } from "../store/runs-repo.ts";
import type { ReadContext } from "./context.ts";

export async function requireConfigured(ctx: ReadContext, name: string): Promise<PipelineConfig> {
  const config = ctx.config.pipeline(name);
  if (config) return config;
  if (ctx.config.loaded() && (await findPipeline(ctx.db, name)))
    throw new FawkesError(
      ErrorCode.pipelineArchived,
      `pipeline ${name} is no longer configured (archived): its config source no longer defines it, so its ` +
        `history can be read but it cannot be operated; add it back to the config to make it active again`,
    );
  throw new FawkesError(ErrorCode.pipelineNotFound, `no pipeline named ${name}`);
}

/** Whether `name` is a pipeline with history but no config (once the config has been read). */
export function isArchived(ctx: ReadContext, name: string, hasHistory: boolean): boolean {
  return hasHistory && ctx.config.loaded() && ctx.config.pipeline(name) === undefined;
}
