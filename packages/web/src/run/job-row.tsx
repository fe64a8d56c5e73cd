import type { JobRunDto } from "@fawkes/protocol";
import { jobState } from "../format/states.ts";
import { elapsed, formatDuration } from "../format/time.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { StateBadge } from "../ui/state-badge.tsx";

interface JobRowProps {
  pipeline: string;
  counter: number;
  stage: string;
  stageCounter: number;
  job: JobRunDto;
  now: number;
}

/** A job of a stage run: state, agent, how long it ran, and why it still waits. */
export function JobRow({ pipeline, counter, stage, stageCounter, job, now }: JobRowProps) {
  const duration = elapsed(job.assignedAt, job.completedAt, now);
  const state = jobState(job);
  return (
    <tr data-job={job.name} data-state={state}>
      <th scope="row">
        <Link href={href.job(pipeline, counter, stage, stageCounter, job.name)}>{job.name}</Link>
      </th>
      <td>
        <StateBadge state={state} />
        {/* The agent's step (assigned, preparing, completing) when it says more than the badge. */}
        {job.state !== "completed" && job.state !== "scheduled" && job.state !== state && (
          <span className="muted"> ({job.state})</span>
        )}
      </td>
      <td>{job.agent ?? <span className="muted">—</span>}</td>
      <td>{duration === undefined ? <span className="muted">—</span> : formatDuration(duration)}</td>
      <td className="waiting-reason">
        {job.state === "scheduled" && job.waitingReason !== null ? job.waitingReason : null}
      </td>
    </tr>
  );
}
