import type { PipelineRunDto } from "@fawkes/protocol";
import { stateSymbol, stateText } from "../format/states.ts";
import { formatDuration } from "../format/time.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import type { StageBar } from "./shape.ts";

function describe(bar: StageBar): string {
  const text = `${bar.name}: ${stateText[bar.state].toLowerCase()}`;
  if (bar.run === undefined) return text;
  const counter = bar.run.counter > 1 ? `, stage run ${bar.run.counter}` : "";
  const took =
    bar.run.completedAt === null ? "" : `, ${formatDuration(bar.run.completedAt - bar.run.scheduledAt)}`;
  return text + counter + took;
}

/** One bar per configured stage with its state in words; each links to the run. */
export function StageBars({
  pipeline,
  bars,
  run,
}: {
  pipeline: string;
  bars: StageBar[];
  run: PipelineRunDto | null;
}) {
  return (
    <ol
      className="stage-bars"
      aria-label={run === null ? "Stages (not run yet)" : `Stages of run ${run.label}`}
    >
      {bars.map((bar) => (
        <li
          key={bar.name}
          className={`stage-bar state-${bar.state}`}
          data-stage={bar.name}
          data-state={bar.state}
          title={describe(bar)}
        >
          {run === null ? (
            <span className="stage-bar-body">
              <StageBarText bar={bar} />
            </span>
          ) : (
            <Link href={href.run(pipeline, run.counter)} className="stage-bar-body stage-bar-link">
              <StageBarText bar={bar} />
            </Link>
          )}
        </li>
      ))}
    </ol>
  );
}

function StageBarText({ bar }: { bar: StageBar }) {
  return (
    <>
      <span className="stage-bar-name">{bar.name}</span>
      <span className="stage-bar-state">
        <span aria-hidden="true">{stateSymbol[bar.state]}</span> {stateText[bar.state]}
      </span>
    </>
  );
}
