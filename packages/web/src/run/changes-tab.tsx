import { ApiRoutes, apiPath, type RunChangesDto } from "@fawkes/protocol";
import { formatDateTime, isoTime, shortRevision } from "../format/time.ts";
import { useResource } from "../live/use-resource.ts";
import { Loading, LoadError } from "../ui/page-states.tsx";

const never = () => false;

/** What changed since the previous run, per material (GoCD's compare): commits with author and files. */
export function ChangesTab({ pipeline, counter }: { pipeline: string; counter: number }) {
  const { data, error } = useResource<RunChangesDto>(
    apiPath(ApiRoutes.runChanges, { name: pipeline, counter }),
    never,
  );
  if (error !== undefined) return <LoadError error={error} what="the changes" />;
  if (data === undefined) return <Loading what="changes" />;
  if (data.materials.length === 0) return <p className="empty">This run has no materials.</p>;
  return (
    <div className="changes">
      {data.materials.map((material) => (
        <section key={material.material} className="material-changes">
          <h3>
            {material.material} <span className="muted">({material.type})</span>
          </h3>
          <p className="muted">
            {material.from === null ? (
              "First run: "
            ) : (
              <>
                From <code>{shortRevision(material.from)}</code> to{" "}
              </>
            )}
            <code>{shortRevision(material.to)}</code>
          </p>
          {material.commits.length === 0 ? (
            <p className="empty">No new commits since the previous run.</p>
          ) : (
            <ol className="commit-list">
              {material.commits.map((commit) => (
                <li key={commit.sha} className="commit">
                  <p className="commit-subject">
                    <code title={commit.sha}>{shortRevision(commit.sha)}</code> {commit.subject}
                  </p>
                  <p className="muted">
                    {commit.author} ·{" "}
                    <time dateTime={isoTime(commit.time)}>{formatDateTime(commit.time)}</time>
                    {commit.files.length > 0 &&
                      ` · ${commit.files.length} file${commit.files.length === 1 ? "" : "s"}`}
                  </p>
                  {commit.files.length > 0 && (
                    <details>
                      <summary>Files</summary>
                      <ul className="file-list mono">
                        {commit.files.map((file) => (
                          <li key={file}>{file}</li>
                        ))}
                      </ul>
                    </details>
                  )}
                </li>
              ))}
            </ol>
          )}
        </section>
      ))}
    </div>
  );
}
