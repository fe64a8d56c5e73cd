import { ApiRoutes, apiPath, type PipelineRunDto } from "@fawkes/protocol";
import { commands } from "../api/commands.ts";
import { useCanOperate } from "../auth/permissions.ts";
import { describeTrigger } from "../format/states.ts";
import { formatDateTime, isoTime } from "../format/time.ts";
import { affects } from "../live/event-match.ts";
import { useNow } from "../live/use-now.ts";
import { usePipelineConfig } from "../live/use-pipeline-config.ts";
import { useResource } from "../live/use-resource.ts";
import { ValueStreamMap } from "../vsm/value-stream-map.tsx";
import { Link } from "../router/link.tsx";
import { href, type RunTab } from "../router/routes.ts";
import { ActionButton } from "../ui/action-button.tsx";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { NotConfiguredNotice } from "../ui/not-configured-notice.tsx";
import { StateBadge } from "../ui/state-badge.tsx";
import { tabPanelProps, Tabs } from "../ui/tabs.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { CancelRunButton } from "./cancel-buttons.tsx";
import { ChangesTab } from "./changes-tab.tsx";
import { StageSection, UnrunStageSection } from "./stage-section.tsx";
import { stageSlots } from "./stage-slots.ts";

/** The highest counter of each stage name: only those runs get Rerun and Cancel buttons. */
function latestCounters(run: PipelineRunDto): Map<string, number> {
  const latest = new Map<string, number>();
  for (const stage of run.stages)
    latest.set(stage.name, Math.max(stage.counter, latest.get(stage.name) ?? 0));
  return latest;
}

export function RunPage({ pipeline, counter, tab }: { pipeline: string; counter: number; tab: RunTab }) {
  const { data: run, error } = useResource<PipelineRunDto>(
    apiPath(ApiRoutes.run, { name: pipeline, counter }),
    affects.run(pipeline, counter),
  );
  useDocumentTitle(`${pipeline} ${run?.label ?? counter}`);
  const now = useNow(run?.result === "building");
  const latest = run === undefined ? new Map<string, number>() : latestCounters(run);
  // The configured stages (the run lists only those it reached); a pipeline no longer configured is read-only.
  const config = usePipelineConfig(pipeline);
  const canOperate = useCanOperate(pipeline) && config.configured !== false;

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href={href.dashboard()}>Dashboard</Link> <span aria-hidden="true">/</span>{" "}
        <Link href={href.pipeline(pipeline)}>{pipeline}</Link> <span aria-hidden="true">/</span>{" "}
        <span aria-current="page">{run?.label ?? counter}</span>
      </nav>
      <div className="page-heading">
        <h1>
          {pipeline} <span className="run-label">{run?.label ?? counter}</span>
        </h1>
        {run !== undefined && <StateBadge state={run.result} />}
        {config.configured === false && <StateBadge state="archived" />}
        {canOperate && run?.result === "building" && (
          <CancelRunButton pipeline={pipeline} counter={counter} label={run.label} />
        )}
      </div>
      {error !== undefined && <LoadError error={error} what={`run ${counter} of ${pipeline}`} />}
      {run === undefined && error === undefined && <Loading what="the run" />}
      {run !== undefined && (
        <>
          <p className="run-summary">
            {describeTrigger(run.trigger)} · started{" "}
            <time dateTime={isoTime(run.createdAt)}>{formatDateTime(run.createdAt)}</time>
            {run.label !== String(run.counter) && <> · counter {run.counter}</>}
          </p>
          {run.awaitingApproval !== null && (
            <div className="notice notice-awaiting" role="status">
              <StateBadge state="awaiting" /> Stage <strong>{run.awaitingApproval}</strong> waits for manual
              approval.{" "}
              {canOperate && (
                <ActionButton
                  variant="primary"
                  action={() => commands.approve(pipeline, counter, run.awaitingApproval as string)}
                  done={`Approved stage ${run.awaitingApproval}`}
                >
                  Approve {run.awaitingApproval}
                </ActionButton>
              )}
            </div>
          )}
          <h2 className="visually-hidden">Stages</h2>
          {config.configured === false && <NotConfiguredNotice pipeline={pipeline} />}
          {stageSlots(config.stages, run).map((slot) =>
            slot.runs.length === 0 ? (
              <UnrunStageSection
                key={slot.name}
                name={slot.name}
                awaiting={run.awaitingApproval === slot.name}
                runResult={run.result}
              />
            ) : (
              slot.runs.map((stage) => (
                <StageSection
                  key={`${stage.name}/${stage.counter}`}
                  pipeline={pipeline}
                  counter={counter}
                  stage={stage}
                  now={now}
                  latest={latest.get(stage.name) === stage.counter}
                  canOperate={canOperate}
                />
              ))
            ),
          )}
          <Tabs
            label="Run details"
            idPrefix="run"
            selected={tab}
            items={[
              { key: "changes", label: "Changes", href: href.run(pipeline, counter, "changes") },
              { key: "vsm", label: "Value stream", href: href.run(pipeline, counter, "vsm") },
            ]}
          />
          <div {...tabPanelProps("run", tab)}>
            {tab === "changes" ? (
              <ChangesTab pipeline={pipeline} counter={counter} />
            ) : (
              <ValueStreamMap pipeline={pipeline} counter={counter} />
            )}
          </div>
        </>
      )}
    </>
  );
}
