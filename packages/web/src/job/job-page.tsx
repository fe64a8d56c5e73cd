import { JobConsole } from "../console/job-console.tsx";
import { Link } from "../router/link.tsx";
import { href, type JobTab } from "../router/routes.ts";
import { tabPanelProps, Tabs } from "../ui/tabs.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { ArtifactsTab } from "./artifacts-tab.tsx";

interface JobPageProps {
  pipeline: string;
  counter: number;
  stage: string;
  stageCounter: number | "latest";
  job: string;
  tab: JobTab;
}

export function JobPage({ pipeline, counter, stage, stageCounter, job, tab }: JobPageProps) {
  useDocumentTitle(`${job} · ${pipeline} ${counter} ${stage}`);
  const locator = { pipeline, counter, stage, stageCounter, job };
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href={href.dashboard()}>Dashboard</Link> <span aria-hidden="true">/</span>{" "}
        <Link href={href.pipeline(pipeline)}>{pipeline}</Link> <span aria-hidden="true">/</span>{" "}
        <Link href={href.run(pipeline, counter)}>{counter}</Link> <span aria-hidden="true">/</span>{" "}
        <span>
          {stage}
          {typeof stageCounter === "number" && stageCounter > 1 && ` (stage run ${stageCounter})`}
        </span>{" "}
        <span aria-hidden="true">/</span> <span aria-current="page">{job}</span>
      </nav>
      <div className="page-heading">
        <h1>
          {job} <span className="muted">in {stage}</span>
        </h1>
      </div>
      <Tabs
        label="Job details"
        idPrefix="job"
        selected={tab}
        items={[
          {
            key: "console",
            label: "Console",
            href: href.job(pipeline, counter, stage, stageCounter, job, "console"),
          },
          {
            key: "artifacts",
            label: "Artifacts",
            href: href.job(pipeline, counter, stage, stageCounter, job, "artifacts"),
          },
        ]}
      />
      <div {...tabPanelProps("job", tab)}>
        {tab === "console" ? <JobConsole {...locator} /> : <ArtifactsTab {...locator} />}
      </div>
    </>
  );
}
