import { memo, useId, useMemo } from "react";
import { describeTrigger } from "../format/states.ts";
import { isArchived } from "../live/use-pipeline-config.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { StateBadge } from "../ui/state-badge.tsx";
import { TimeAgo } from "../ui/time-ago.tsx";
import { PipelineActions } from "./pipeline-actions.tsx";
import { stageBars } from "./shape.ts";
import { StageBars } from "./stage-bars.tsx";
import type { DashboardPipeline } from "./use-dashboard.ts";

/**
 * One pipeline on the dashboard. Memoised: a live update replaces only the changed pipeline's object, so with
 * hundreds of pipelines only that card re-renders.
 */
export const PipelineCard = memo(function PipelineCard({ pipeline }: { pipeline: DashboardPipeline }) {
  const headingId = useId();
  const { name, latest } = pipeline;
  const bars = useMemo(() => stageBars(pipeline.stages, latest), [pipeline.stages, latest]);
  return (
    <article
      className={`pipeline-card${pipeline.paused ? " is-paused" : ""}`}
      aria-labelledby={headingId}
      data-pipeline={name}
    >
      <header className="card-header">
        <h3 id={headingId}>
          <Link href={href.pipeline(name)}>{name}</Link>
        </h3>
        {pipeline.paused && <StateBadge state="paused" />}
        {isArchived(pipeline) && <StateBadge state="archived" />}
      </header>
      {pipeline.paused && pipeline.pauseReason != null && pipeline.pauseReason !== "" && (
        <p className="pause-reason">Paused: {pipeline.pauseReason}</p>
      )}
      {latest === null ? (
        <p className="run-meta muted">No runs yet</p>
      ) : (
        <p className="run-meta">
          <Link href={href.run(name, latest.counter)} className="run-label">
            {latest.label}
          </Link>
          <span className="visually-hidden">, </span>
          <StateBadge state={latest.result} />
          <span className="run-trigger">
            {describeTrigger(latest.trigger)} · <TimeAgo time={latest.createdAt} />
          </span>
        </p>
      )}
      <StageBars pipeline={name} bars={bars} run={latest} />
      <PipelineActions pipeline={pipeline} />
    </article>
  );
});
