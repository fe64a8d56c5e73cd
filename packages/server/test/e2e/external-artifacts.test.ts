/**
 * GoCD external artifacts on the built-in artifact store: `up` publishes `out/*.tgz` as external artifact
 * `app-tgz` to store `fawkes` (bucket `fawkes-artifacts` on the cloud endpoint, where an S3 client sees it);
 * `down` fetches it back with `artifact_origin: external`, and a fetch of a missing artifact id fails clearly.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import test from "node:test";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { createGitRepo, startFawkes, summarizeRun, waitForRun, yamlString } from "@fawkes/testing";

const pipelinesYaml = (repoPath: string) => `
format_version: 10
pipelines:
  up:
    group: e2e
    materials:
      src: {git: ${yamlString(repoPath)}, branch: main}
    stages:
      - build:
          jobs:
            pack:
              tasks:
                - script: mkdir -p out && cp version.txt out/app.tgz
              artifacts:
                - external:
                    id: app-tgz
                    store_id: fawkes
                    configuration:
                      options:
                        Source: "out/*.tgz"
  down:
    group: e2e
    materials:
      up: {pipeline: up, stage: build}
    stages:
      - check:
          jobs:
            verify:
              tasks:
                - fetch:
                    artifact_origin: external
                    pipeline: up
                    stage: build
                    job: pack
                    artifact_id: app-tgz
                    configuration:
                      options:
                        Destination: got
                - script: echo "fetched=$(cat got/app.tgz)"
            missing:
              tasks:
                - fetch:
                    artifact_origin: external
                    pipeline: up
                    stage: build
                    job: pack
                    artifact_id: no-such-artifact
`;

test(
  "an external artifact goes to the fawkes store's bucket and comes back by fetch",
  { timeout: 90_000 },
  async (t) => {
    const repo = await createGitRepo(t, null);
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "external.gocd.yaml": pipelinesYaml(repo.path) },
      expectPipelines: ["up", "down"],
    });
    const { api } = fawkes;
    await fawkes.diagnose(async () => {
      const version = `v-${randomUUID()}`;
      await repo.commit({ "version.txt": `${version}\n` }, "version");
      await fawkes.cliOk(["notify", repo.path]);

      const up = await waitForRun(api, "up", 1, (run) => run.result !== "building", { timeoutMs: 60_000 });
      assert.equal(up.result, "passed", summarizeRun(up));
      const upLog = await api.console("up", 1, "build", "pack");
      assert.match(upLog, /Published 1 file\(s\) from 'out\/\*\.tgz' as external artifact 'app-tgz'/);

      // The object is in the bucket, visible to any S3 client with a key of the server.
      const response = await api.request("POST", "/api/v1/credentials", {
        body: {
          name: "e2e-reader",
          policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] },
        },
      });
      assert.ok(response.ok, await response.clone().text());
      const key = (await response.json()) as { accessKeyId: string; secretAccessKey: string };
      const s3 = new S3Client({
        endpoint: fawkes.server.cloudUrl,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: key,
        maxAttempts: 1,
      });
      t.after(() => s3.destroy());
      const objectKey = "up/1/build/1/pack/app-tgz/app.tgz";
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: "fawkes-artifacts", Prefix: "up/1/" }));
      assert.deepEqual(
        listed.Contents?.map((object) => object.Key),
        [objectKey],
      );
      const object = await s3.send(new GetObjectCommand({ Bucket: "fawkes-artifacts", Key: objectKey }));
      assert.equal(await object.Body?.transformToString(), `${version}\n`);

      const down = await waitForRun(api, "down", 1, (run) => run.result !== "building", {
        timeoutMs: 60_000,
      });
      const jobs = Object.fromEntries(down.stages[0]!.jobs.map((job) => [job.name, job.result]));
      assert.deepEqual(jobs, { verify: "passed", missing: "failed" }, summarizeRun(down));
      const verifyLog = await api.console("down", 1, "check", "verify");
      assert.ok(verifyLog.includes(`fetched=${version}`), verifyLog);
      const missingLog = await api.console("down", 1, "check", "missing");
      assert.match(
        missingLog,
        /Fetch of external artifact 'no-such-artifact' failed: no external artifact 'no-such-artifact' in up\/1\/build\/1\/pack/,
      );
    });
  },
);
