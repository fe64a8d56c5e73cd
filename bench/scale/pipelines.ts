/**
 * The scale bench's config: `count` pipelines of two stages (`build`, `test`), one job `j` each running `true`.
 * Every pipeline uses the same small git repository with `auto_update: false`, so the server fetches it at most
 * once and never starts 2,000 first runs by itself; no stage fetches materials. The first pipeline is the one
 * the bench triggers; the others are the population the dashboard and the stores carry.
 */
import { yamlString } from "@fawkes/testing";

export const STAGES = ["build", "test"] as const;
export const JOB = "j";

export const pipelineName = (index: number): string => `scale-${String(index).padStart(4, "0")}`;

/** The pipeline the dispatch figure triggers (it has its seeded history like every other). */
export const MEASURED_PIPELINE = pipelineName(0);

export function scalePipelinesYaml(options: { count: number; repo: string }): string {
  const material = `{git: ${yamlString(options.repo)}, branch: main, auto_update: false}`;
  const stage = (name: string) =>
    `      - ${name}: {fetch_materials: false, jobs: {${JOB}: {tasks: [{exec: {command: "true"}}]}}}\n`;
  const stages = STAGES.map(stage).join("");
  const parts = ["format_version: 10\npipelines:\n"];
  for (let index = 0; index < options.count; index++) {
    parts.push(
      `  ${pipelineName(index)}:\n    group: g${String(index % 20).padStart(2, "0")}\n    materials:\n      src: ${material}\n    stages:\n${stages}`,
    );
  }
  return parts.join("");
}
