import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue, parseConfigFiles } from "@fawkes/core";

const parse = (text: string) => parseConfigFiles([{ path: "p.gocd.yaml", text }]);
const issuesOf = (text: string) => parse(text).issues.map(formatIssue);

/** `up` with the given artifacts lines, and `down` with the given fetch lines; `top` goes first. */
const config = (patch: { top?: string; artifacts?: string; fetch?: string }) => `${patch.top ?? ""}pipelines:
  up:
    materials:
      code: {git: "https://e/c.git"}
    stages:
      - build:
          jobs:
            pack:
              tasks:
                - exec: {command: make}
              artifacts:
${patch.artifacts ?? '                - external: {id: app, store_id: fawkes, configuration: {options: {Source: "out/*.tgz"}}}\n'}  down:
    materials:
      up: {pipeline: up, stage: build}
    stages:
      - get:
          tasks:
${patch.fetch ?? "            - fetch: {artifact_origin: external, pipeline: up, stage: build, job: pack, artifact_id: app}\n"}`;

test("external artifacts bind to the built-in store and to declared artifact_stores", () => {
  const snapshot = parse(
    config({
      top: "artifact_stores:\n  releases: {type: s3, bucket: my-releases, prefix: /builds/x/}\n",
      artifacts:
        '                - external: {id: app, store_id: fawkes, configuration: {options: {Source: "out/*.tgz", Destination: pkg/}}}\n' +
        "                - external: {id: rel, store_id: Releases, configuration: {options: {Source: out}}}\n" +
        "                - build: {source: log.txt}\n",
      fetch:
        "            - fetch: {artifact_origin: external, pipeline: up, stage: build, job: pack, artifact_id: app, configuration: {options: {Destination: got}}}\n",
    }),
  );
  assert.deepEqual(snapshot.issues, []);
  const job = snapshot.pipelines.find((p) => p.name === "up")!.stages[0]!.jobs[0]!;
  assert.deepEqual(job.externalArtifacts, [
    {
      id: "app",
      storeId: "fawkes",
      bucket: "fawkes-artifacts",
      prefix: "",
      source: "out/*.tgz",
      destination: "pkg",
    },
    {
      id: "rel",
      storeId: "Releases",
      bucket: "my-releases",
      prefix: "builds/x",
      source: "out",
      destination: "",
    },
  ]);
  assert.deepEqual(job.artifacts, [{ type: "build", source: "log.txt", destination: "" }]);
  const fetch = snapshot.pipelines.find((p) => p.name === "down")!.stages[0]!.jobs[0]!.tasks[0]!;
  assert.deepEqual(fetch, {
    kind: "fetch",
    pipelinePath: "up",
    stage: "build",
    job: "pack",
    source: "",
    destination: "got",
    isFile: false,
    external: { artifactId: "app" },
    runIf: ["passed"],
    onCancel: null,
  });
  assert.deepEqual(
    snapshot.artifactStores?.map((s) => [s.id, s.bucket, s.prefix]),
    [
      ["fawkes", "fawkes-artifacts", ""],
      ["releases", "my-releases", "builds/x"],
    ],
  );
});

test("a job without external artifacts has no externalArtifacts key (older snapshots stay the same)", () => {
  const snapshot = parse(
    config({
      artifacts: "                - build: {source: a}\n",
      fetch: "            - exec: {command: make}\n",
    }),
  );
  assert.deepEqual(snapshot.issues, []);
  assert.equal("externalArtifacts" in snapshot.pipelines[0]!.stages[0]!.jobs[0]!, false);
});

const DOWN_DROPPED =
  'p.gocd.yaml:15:22: pipeline "down" is not loaded because its upstream pipeline "up" is invalid';

const errorCases: { name: string; patch: Parameters<typeof config>[0]; issues: string[] }[] = [
  {
    name: "unknown store_id, with a hint",
    patch: {
      artifacts:
        "                - external: {id: app, store_id: fawks, configuration: {options: {Source: a}}}\n",
    },
    issues: [
      'p.gocd.yaml:12:49: unknown artifact store "fawks"; did you mean "fawkes"? (known: fawkes)',
      DOWN_DROPPED,
    ],
  },
  {
    name: "Source missing",
    patch: { artifacts: "                - external: {id: app, store_id: fawkes}\n" },
    issues: [
      'p.gocd.yaml:12:19: external artifact "app" needs configuration.options.Source (a glob of files to publish)',
      DOWN_DROPPED,
    ],
  },
  {
    name: "unknown option and an escaping Destination",
    patch: {
      artifacts:
        "                - external: {id: app, store_id: fawkes, configuration: {options: {Source: a, Destination: ../x, Tag: 1}}}\n",
    },
    issues: [
      'p.gocd.yaml:12:107: "Destination" must be a relative path inside the working directory, got "../x"',
      'p.gocd.yaml:12:113: unknown option "Tag" (the S3 artifact store knows Source, Destination)',
      DOWN_DROPPED,
    ],
  },
  {
    name: "duplicate external artifact ids",
    patch: {
      artifacts:
        "                - external: {id: app, store_id: fawkes, configuration: {options: {Source: a}}}\n" +
        "                - external: {id: APP, store_id: fawkes, configuration: {options: {Source: b}}}\n",
    },
    issues: [
      'p.gocd.yaml:13:19: duplicate external artifact id name "APP" (same as "app")',
      'p.gocd.yaml:16:22: pipeline "down" is not loaded because its upstream pipeline "up" is invalid',
    ],
  },
  {
    name: "external fetch without artifact_id, with a source",
    patch: {
      fetch:
        "            - fetch: {artifact_origin: external, pipeline: up, stage: build, job: pack, source: x}\n",
    },
    issues: [
      "p.gocd.yaml:19:23: artifact_origin: external needs artifact_id",
      'p.gocd.yaml:19:89: "source" is not used with artifact_origin: external',
    ],
  },
  {
    name: "artifact_id without artifact_origin: external",
    patch: {
      fetch: "            - fetch: {pipeline: up, stage: build, job: pack, source: x, artifact_id: app}\n",
    },
    issues: ['p.gocd.yaml:19:73: "artifact_id" needs artifact_origin: external'],
  },
  {
    name: "bad artifact_origin",
    patch: {
      fetch:
        "            - fetch: {artifact_origin: s3, pipeline: up, stage: build, job: pack, artifact_id: a}\n",
    },
    issues: ['p.gocd.yaml:19:40: "artifact_origin" must be gocd or external, got "s3"'],
  },
  {
    name: "artifact stores: built-in name, bad bucket, bad prefix, wrong type",
    patch: {
      top: "artifact_stores:\n  fawkes: {type: s3, bucket: b-1}\n  r: {type: s3, bucket: Bad_Bucket, prefix: a/../b}\n  g: {type: gcs, bucket: abc}\n",
    },
    issues: [
      'p.gocd.yaml:2:3: artifact store "fawkes" is built in and cannot be redefined',
      'p.gocd.yaml:3:25: invalid bucket name "Bad_Bucket": use 3-63 lower-case letters, digits, . and -',
      'p.gocd.yaml:3:45: invalid prefix "a/../b": use /-separated names without "." or ".." segments',
      'p.gocd.yaml:4:13: "type" must be s3, got "gcs"',
    ],
  },
];

for (const { name, patch, issues } of errorCases) {
  test(`external artifacts: ${name}`, () => {
    assert.deepEqual(issuesOf(config(patch)), issues);
  });
}
