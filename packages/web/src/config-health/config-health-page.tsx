import type { ConfigIssueDto } from "@fawkes/protocol";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { issueLocation, useConfigHealth } from "./config-health-context.ts";

/**
 * The pipelines a problem concerns: those running their last valid version exist (ConfigIssueDto.lastValid);
 * other names never had a valid version. Without lastValid (an older server) every name is taken to exist.
 */
function affected(issue: ConfigIssueDto): { name: string; exists: boolean }[] {
  const lastValid = issue.lastValid;
  if (lastValid === undefined) return issue.pipelines.map((name) => ({ name, exists: true }));
  const names = [...issue.pipelines, ...lastValid.filter((name) => !issue.pipelines.includes(name))];
  return names.map((name) => ({ name, exists: lastValid.includes(name) }));
}

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
            {data.errors.length === 1 ? "1 error" : `${data.errors.length} errors`}. A pipeline that had a
            valid configuration keeps running it until its file is fixed; one that never had one is not
            loaded.
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
                    {affected(issue).length === 0 ? (
                      <span className="muted">none known</span>
                    ) : (
                      <ul className="tag-list">
                        {affected(issue).map(({ name, exists }) => (
                          <li key={name}>
                            {/* A name that never had a valid version has no page to link to. */}
                            {exists ? (
                              <Link href={href.pipeline(name)}>{name}</Link>
                            ) : (
                              <span>
                                {name} <span className="muted">(not loaded: no valid version)</span>
                              </span>
                            )}
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
