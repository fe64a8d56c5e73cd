import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { issueLocation, useConfigHealth } from "./config-health-context.ts";

export function ConfigHealthPage() {
  useDocumentTitle("Config health");
  const { data, error } = useConfigHealth();
  return (
    <>
      <div className="page-heading">
        <h1>Config health</h1>
      </div>
      {error !== undefined && <LoadError error={error} what="the config errors" />}
      {data === undefined && error === undefined && <Loading what="config errors" />}
      {data !== undefined && data.errors.length === 0 && (
        <p className="notice notice-ok">
          <span aria-hidden="true">✓ </span>Every pipeline configuration file is valid.
        </p>
      )}
      {data !== undefined && data.errors.length > 0 && (
        <>
          <p>
            {data.errors.length === 1 ? "1 error" : `${data.errors.length} errors`}. Pipelines defined in a
            broken file keep running their last valid configuration until it is fixed.
          </p>
          <ol className="config-errors">
            {data.errors.map((issue, index) => (
              <li key={index} className="config-error">
                <p className="config-error-location mono">
                  {issueLocation(issue)}: {issue.message}
                </p>
                <dl className="config-error-details">
                  <dt>Source</dt>
                  <dd className="mono">{issue.source}</dd>
                  <dt>Affected pipelines</dt>
                  <dd>
                    {issue.pipelines.length === 0 ? (
                      <span className="muted">none known</span>
                    ) : (
                      <ul className="tag-list">
                        {issue.pipelines.map((pipeline) => (
                          <li key={pipeline}>
                            <Link href={href.pipeline(pipeline)}>{pipeline}</Link>
                          </li>
                        ))}
                      </ul>
                    )}
                  </dd>
                </dl>
              </li>
            ))}
          </ol>
        </>
      )}
    </>
  );
}
