import { useDeferredValue, useId, useMemo, useState } from "react";
import { isArchived } from "../live/use-pipeline-config.ts";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { PipelineCard } from "./pipeline-card.tsx";
import { filterPipelines, groupPipelines } from "./shape.ts";
import { useDashboard } from "./use-dashboard.ts";

export function DashboardPage() {
  useDocumentTitle("Dashboard");
  const { pipelines, error } = useDashboard();
  const [query, setQuery] = useState("");
  const deferredQuery = useDeferredValue(query);
  // Pipelines whose config is gone (when the server lists them) are shown apart, after every group.
  const [configured, archived] = useMemo(() => {
    const shown = filterPipelines(pipelines ?? [], deferredQuery);
    return [shown.filter((pipeline) => !isArchived(pipeline)), shown.filter(isArchived)];
  }, [pipelines, deferredQuery]);
  const groups = useMemo(() => groupPipelines(configured), [configured]);
  const searchId = useId();

  return (
    <>
      <div className="page-heading">
        <h1>Dashboard</h1>
        <div className="search">
          <label htmlFor={searchId}>Filter pipelines</label>
          <input
            id={searchId}
            type="search"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            placeholder="name or group"
          />
        </div>
      </div>
      {error !== undefined && <LoadError error={error} what="the pipelines" />}
      {pipelines === undefined && error === undefined && <Loading what="pipelines" />}
      {pipelines !== undefined && pipelines.every(isArchived) && (
        <p className="empty">
          No pipelines are configured. Add a <code>*.gocd.yaml</code> file to a pipelines source.
        </p>
      )}
      {pipelines !== undefined && pipelines.length > 0 && groups.length + archived.length === 0 && (
        <p className="empty">No pipeline matches “{deferredQuery}”.</p>
      )}
      {groups.map((group, index) => (
        <section key={group.name} className="pipeline-group" aria-labelledby={`group-${index}`}>
          <h2 id={`group-${index}`}>{group.name}</h2>
          <div className="pipeline-grid">
            {group.pipelines.map((pipeline) => (
              <PipelineCard key={pipeline.name} pipeline={pipeline} />
            ))}
          </div>
        </section>
      ))}
      {archived.length > 0 && (
        <section className="pipeline-group pipeline-group-archived" aria-labelledby="group-archived">
          <h2 id="group-archived">No longer configured</h2>
          <p className="muted">
            No configuration defines these pipelines any more. Their history stays readable; they cannot be
            triggered.
          </p>
          <div className="pipeline-grid">
            {archived.map((pipeline) => (
              <PipelineCard key={pipeline.name} pipeline={pipeline} />
            ))}
          </div>
        </section>
      )}
    </>
  );
}
