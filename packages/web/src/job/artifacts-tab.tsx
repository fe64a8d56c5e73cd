import { ApiRoutes, apiPath, type ArtifactFile } from "@fawkes/protocol";
import { useMemo } from "react";
import { formatBytes } from "../format/time.ts";
import { affects } from "../live/event-match.ts";
import { useResource } from "../live/use-resource.ts";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { artifactFileUrl, buildArtifactTree, type ArtifactDir } from "./artifact-tree.ts";

/** Small trees open fully; larger ones show their first level only. */
const EXPAND_ALL_UP_TO = 50;

interface JobLocator {
  pipeline: string;
  counter: number;
  stage: string;
  stageCounter: number | "latest";
  job: string;
}

/** Browse a job's artifacts as a tree; every file is a download link. Refreshed when the run changes. */
export function ArtifactsTab(props: JobLocator) {
  const params = {
    name: props.pipeline,
    counter: props.counter,
    stage: props.stage,
    stageCounter: props.stageCounter,
    job: props.job,
  };
  const { data, error } = useResource<{ files: ArtifactFile[] }>(
    apiPath(ApiRoutes.artifacts, params),
    affects.run(props.pipeline, props.counter),
  );
  const tree = useMemo(() => (data === undefined ? undefined : buildArtifactTree(data.files)), [data]);
  const fileRoute = apiPath(ApiRoutes.artifactFile, params);
  if (error !== undefined) return <LoadError error={error} what="the artifacts" />;
  if (tree === undefined) return <Loading what="artifacts" />;
  if (tree.files.length === 0 && tree.dirs.length === 0)
    return <p className="empty">This job has no artifacts.</p>;
  return (
    <div className="artifact-tree">
      <p className="muted">{formatBytes(tree.size)} in total</p>
      <DirContents
        dir={tree}
        fileRoute={fileRoute}
        expanded={data !== undefined && data.files.length <= EXPAND_ALL_UP_TO}
      />
    </div>
  );
}

function DirContents({
  dir,
  fileRoute,
  expanded,
}: {
  dir: ArtifactDir;
  fileRoute: string;
  expanded: boolean;
}) {
  return (
    <ul className="tree">
      {dir.dirs.map((child) => (
        <li key={child.path}>
          <details open={expanded || dir.path === ""}>
            <summary>
              {child.name}/ <span className="muted">{formatBytes(child.size)}</span>
            </summary>
            <DirContents dir={child} fileRoute={fileRoute} expanded={expanded} />
          </details>
        </li>
      ))}
      {dir.files.map((file) => (
        <li key={file.path} className="tree-file">
          <a href={artifactFileUrl(fileRoute, file.path)} download={file.name}>
            {file.name}
          </a>{" "}
          <span className="muted">{formatBytes(file.size)}</span>
        </li>
      ))}
    </ul>
  );
}
