/**
 * The bench's pipelines. `latency` has its own repository (each sample is a commit + notify); every other
 * pipeline shares a second repository and is triggered manually. Tasks write `date +%s%N` into $BENCH_OUT, so
 * "task started" is measured by the task itself, on the same clock as the bench.
 */
export const OUTPUT_BYTES = 100_000_000;

/** Prints OUTPUT_BYTES of ~80-byte lines (the same command is timed directly with output to /dev/null). */
export const outputCommand = `yes 'fawkes bench: one line of console output, about eighty bytes long, repeated.' | head -c ${OUTPUT_BYTES}`;

const stamp = (name: string) => `date +%s%N > "$BENCH_OUT/${name}-$GO_PIPELINE_COUNTER"`;

const sh = (script: string) => `
                - exec:
                    command: sh
                    arguments: ["-c", ${JSON.stringify(script)}]`;

const trueTask = `
                - exec:
                    command: "true"`;

const git = (repo: string) => `
    materials:
      src:
        git: ${JSON.stringify(repo)}
        branch: main`;

export function benchPipelines(options: {
  latencyRepo: string;
  sharedRepo: string;
  outDir: string;
  burstJobs: number;
}): string {
  const { latencyRepo, sharedRepo, outDir, burstJobs } = options;
  const pipeline = (name: string, repo: string, stages: string) => `
  ${name}:
    group: bench
    environment_variables:
      BENCH_OUT: ${JSON.stringify(outDir)}${git(repo)}
    stages:${stages}`;
  return `format_version: 10
pipelines:${pipeline(
    "latency",
    latencyRepo,
    `
      - first:
          jobs:
            job:
              tasks:${sh(stamp("latency"))}`,
  )}${pipeline(
    "hop",
    sharedRepo,
    `
      - a:
          jobs:
            job:
              tasks:${trueTask}
      - b:
          jobs:
            job:
              tasks:${sh(stamp("hop"))}`,
  )}${pipeline(
    "hopnofetch",
    sharedRepo,
    `
      - a:
          fetch_materials: false
          jobs:
            job:
              tasks:${trueTask}
      - b:
          fetch_materials: false
          jobs:
            job:
              tasks:${sh(stamp("hopnofetch"))}`,
  )}${pipeline(
    "noop",
    sharedRepo,
    `
      - only:
          fetch_materials: false
          jobs:
            job:
              tasks:${trueTask}`,
  )}${pipeline(
    "noopcheckout",
    sharedRepo,
    `
      - only:
          jobs:
            job:
              tasks:${trueTask}`,
  )}${pipeline(
    "burst",
    sharedRepo,
    `
      - only:
          fetch_materials: false
          jobs:
            job:
              run_instances: ${burstJobs}
              tasks:${trueTask}`,
  )}${pipeline(
    "output",
    sharedRepo,
    `
      - only:
          fetch_materials: false
          jobs:
            job:
              tasks:${sh(outputCommand)}`,
  )}${pipeline(
    "outputnull",
    sharedRepo,
    `
      - only:
          fetch_materials: false
          jobs:
            job:
              tasks:${sh(`${outputCommand} > /dev/null`)}`,
  )}
`;
}

export const benchPipelineNames = [
  "latency",
  "hop",
  "hopnofetch",
  "noop",
  "noopcheckout",
  "burst",
  "output",
  "outputnull",
] as const;
