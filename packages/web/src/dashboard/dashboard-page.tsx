import { useDeferredValue, useId, useMemo, useState } from "react";
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
  const groups = useMemo(
    () => groupPipelines(filterPipelines(pipelines ?? [], deferredQuery)),
    [pipelines, deferredQuery],
  );
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
      {pipelines !== undefined && pipelines.length === 0 && (
        <p className="empty">
          No pipelines are configured. Add a <code>*.gocd.yaml</code> file to a pipelines source.
        </p>
      )}
      {pipelines !== undefined && pipelines.length > 0 && groups.length === 0 && (
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
    </>
  );
}
