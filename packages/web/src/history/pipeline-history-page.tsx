import { ApiRoutes, apiPath, type PipelineStatusDto } from "@fawkes/protocol";
import { PipelineActions } from "../dashboard/pipeline-actions.tsx";
import { describeTrigger } from "../format/states.ts";
import { affects } from "../live/event-match.ts";
import { isArchived, usePipelineConfig } from "../live/use-pipeline-config.ts";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { NotConfiguredNotice } from "../ui/not-configured-notice.tsx";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { StateBadge } from "../ui/state-badge.tsx";
import { TimeAgo } from "../ui/time-ago.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { historyQuery, RUNS_PER_PAGE } from "./history-query.ts";
import { MaterialRevisions } from "./material-revisions.tsx";
import { Pagination } from "./pagination.tsx";
import { StageResults } from "./stage-results.tsx";

export function PipelineHistoryPage({ pipeline, page }: { pipeline: string; page: number }) {
  useDocumentTitle(page > 1 ? `${pipeline} (page ${page})` : pipeline);
  const path = apiPath(ApiRoutes.pipelineStatus, { name: pipeline }) + historyQuery(page);
  const { data, error } = useResource<PipelineStatusDto>(path, affects.pipeline(pipeline));
  const runs = data?.runs.slice(0, RUNS_PER_PAGE) ?? [];
  const config = usePipelineConfig(pipeline);
  const archived = config.configured === false || (data !== undefined && isArchived(data));

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href={href.dashboard()}>Dashboard</Link> <span aria-hidden="true">/</span>{" "}
        <span aria-current="page">{pipeline}</span>
      </nav>
      <div className="page-heading">
        <h1>{pipeline}</h1>
        {data?.paused === true && <StateBadge state="paused" />}
        {archived && <StateBadge state="archived" />}
        {data !== undefined && data.group !== "" && <span className="muted">Group {data.group}</span>}
      </div>
      {archived && <NotConfiguredNotice pipeline={pipeline} />}
      {data?.paused === true && data.pauseReason !== null && data.pauseReason !== "" && (
        <p className="pause-reason">Paused: {data.pauseReason}</p>
      )}
      {data !== undefined && !archived && (
        <div className="page-actions">
          <PipelineActions
            pipeline={{
              name: pipeline,
              group: data.group,
              paused: data.paused,
              pauseReason: data.pauseReason,
              stages: [],
              triggerVariables: data.triggerVariables,
              latest: page === 1 ? (data.runs[0] ?? null) : null,
            }}
          />
        </div>
      )}
      {error !== undefined && <LoadError error={error} what={`the history of ${pipeline}`} />}
      {data === undefined && error === undefined && <Loading what="runs" />}
      {data !== undefined && runs.length === 0 && (
        <p className="empty">{page === 1 ? "This pipeline has not run yet." : "No runs on this page."}</p>
      )}
      {runs.length > 0 && (
        <div className="table-scroll">
          <table className="data-table history-table">
            <caption className="visually-hidden">Runs of {pipeline}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Result</th>
                <th scope="col">Triggered</th>
                <th scope="col">Materials</th>
                <th scope="col">Stages</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.counter}>
                  <th scope="row">
                    <Link href={href.run(pipeline, run.counter)}>
                      {run.label}
                      {run.label !== String(run.counter) && <span className="muted"> (#{run.counter})</span>}
                    </Link>
                  </th>
                  <td>
                    <StateBadge state={run.result} />
                  </td>
                  <td>
                    {describeTrigger(run.trigger)}
                    <br />
                    <span className="muted">
                      <TimeAgo time={run.createdAt} />
                    </span>
                  </td>
                  <td>
                    <MaterialRevisions materials={run.materials} />
                  </td>
                  <td>
                    <StageResults run={run} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data !== undefined && (page > 1 || data.runs.length > RUNS_PER_PAGE) && (
        <Pagination
          page={page}
          hasOlder={data.runs.length > RUNS_PER_PAGE}
          pageHref={(target) => href.pipeline(pipeline, target)}
        />
      )}
    </>
  );
}
