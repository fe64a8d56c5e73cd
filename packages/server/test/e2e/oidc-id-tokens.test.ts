/**
 * Jobs' OIDC ID tokens end to end (real server, real agent process, real git): the discovery document and the
 * JWKS on the server's URL; a token from `id_tokens:` and one from `fawkes id-token` inside the job, both
 * verified with jose's remote JWKS against the JWKS URL, with the job's claims (subject, audience, pipeline,
 * material revision, the SHA-256 of the upstream artifact the job fetches); neither shows in the console log.
 */
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import test from "node:test";
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";
import { ApiRoutes, apiPath } from "@fawkes/protocol";
import {
  cliMain,
  createGitRepo,
  runCli,
  startFawkes,
  summarizeRun,
  waitForRun,
  yamlString,
  type ApiClient,
} from "@fawkes/testing";

const fawkesCli = `${yamlString(process.execPath)} ${yamlString(cliMain)}`;

const pipelinesYaml = (repoPath: string) => `
format_version: 10
pipelines:
  up:
    group: e2e
    materials:
      src:
        git: ${yamlString(repoPath)}
        branch: main
    stages:
      - build:
          jobs:
            pack:
              id_tokens:
                BUILD_TOKEN: {aud: [https://vault.example, sts.amazonaws.com]}
              tasks:
                - script: |
                    mkdir -p out
                    cp version.txt out/pkg.txt
                    printf %s "$BUILD_TOKEN" > out/build-token.txt
                    echo "build token: $BUILD_TOKEN"
              artifacts:
                - build: {source: out/pkg.txt}
                - build: {source: out/build-token.txt}
  down:
    group: e2e
    materials:
      up: {pipeline: up, stage: build}
    stages:
      - deploy:
          jobs:
            ship:
              id_tokens:
                ID_TOKEN: {aud: sts.amazonaws.com}
              tasks:
                - fetch: {pipeline: up, stage: build, job: pack, source: pkg.txt, is_file: yes}
                - script: |
                    set -e
                    mkdir -p out
                    printf %s "$ID_TOKEN" > out/id-token.txt
                    echo "env token: $ID_TOKEN"
                    ${fawkesCli} id-token --audience deploy.example > out/cli-token.txt
                    echo "cli token: $(cat out/cli-token.txt)"
                    test -s out/cli-token.txt
              artifacts:
                - build: {source: out/id-token.txt}
                - build: {source: out/cli-token.txt}
`;

async function artifactText(
  api: ApiClient,
  pipeline: string,
  stage: string,
  job: string,
  file: string,
): Promise<string> {
  const base = apiPath(ApiRoutes.artifacts, { name: pipeline, counter: 1, stage, stageCounter: 1, job });
  const answer = await api.request("GET", `${base}/${file}`);
  assert.equal(answer.status, 200, `${pipeline} ${file}: ${answer.status}`);
  return answer.text();
}

test(
  "jobs get ID tokens from id_tokens: and fawkes id-token, verifiable with the JWKS and masked",
  { timeout: 120_000 },
  async (t) => {
    const repo = await createGitRepo(t, null);
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "oidc.gocd.yaml": pipelinesYaml(repo.path) },
      expectPipelines: ["up", "down"],
    });
    const { api } = fawkes;
    const issuer = fawkes.server.url;

    await fawkes.diagnose(async () => {
      // Discovery and JWKS: public, on the server's URL.
      const discovery = await api.request("GET", ApiRoutes.oidcDiscovery, { anonymous: true });
      assert.equal(discovery.status, 200);
      const document = (await discovery.json()) as Record<string, unknown>;
      assert.deepEqual(
        {
          issuer: document.issuer,
          jwks_uri: document.jwks_uri,
          response_types_supported: document.response_types_supported,
          subject_types_supported: document.subject_types_supported,
          id_token_signing_alg_values_supported: document.id_token_signing_alg_values_supported,
          scopes_supported: document.scopes_supported,
        },
        {
          issuer,
          jwks_uri: `${issuer}/.well-known/jwks.json`,
          response_types_supported: ["id_token"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256"],
          scopes_supported: ["openid"],
        },
      );
      for (const claim of ["sub", "aud", "pipeline", "materials", "fetched_artifacts"])
        assert.ok((document.claims_supported as string[]).includes(claim), claim);
      const jwksAnswer = await api.request("GET", ApiRoutes.oidcJwks, { anonymous: true });
      assert.equal(jwksAnswer.status, 200);
      const jwks = (await jwksAnswer.json()) as { keys: { kid: string; d?: string }[] };
      assert.equal(jwks.keys.length, 1, "one key from the start");
      assert.equal(jwks.keys[0]!.d, undefined);

      const version = `v-${randomUUID()}\n`;
      const commit = await repo.commit({ "version.txt": version }, "version");
      await fawkes.cliOk(["notify", repo.path]);
      const up = await waitForRun(api, "up", 1, (run) => run.result !== "building");
      assert.equal(up.result, "passed", summarizeRun(up));
      const down = await waitForRun(api, "down", 1, (run) => run.result !== "building");
      assert.equal(
        down.result,
        "passed",
        `${summarizeRun(down)}\n${await api.console("down", 1, "deploy", "ship")}`,
      );

      const remote = createRemoteJWKSet(new URL(document.jwks_uri as string));
      const verify = async (token: string, audience: string): Promise<JWTPayload> =>
        (await jwtVerify(token, remote, { issuer, audience, algorithms: ["RS256"] })).payload;

      // up's token: two audiences, the git material's revision, no fetches.
      const buildToken = await artifactText(api, "up", "build", "pack", "build-token.txt");
      const built = await verify(buildToken, "https://vault.example");
      assert.deepEqual(built.aud, ["https://vault.example", "sts.amazonaws.com"]);
      assert.equal(built.sub, "pipeline:up:stage:build:job:pack");
      assert.equal(built.trigger, "material");
      assert.deepEqual(built.materials, [
        { name: "src", type: "git", url: repo.path, branch: "main", revision: commit },
      ]);
      assert.deepEqual(built.fetched_artifacts, []);

      // down's tokens: the dependency's revision and the SHA-256 of the upstream file its fetch task names.
      const envToken = await artifactText(api, "down", "deploy", "ship", "id-token.txt");
      const cliToken = await artifactText(api, "down", "deploy", "ship", "cli-token.txt");
      const fromEnv = await verify(envToken, "sts.amazonaws.com");
      const fromCli = await verify(cliToken.trim(), "deploy.example");
      for (const claims of [fromEnv, fromCli]) {
        assert.equal(claims.sub, "pipeline:down:stage:deploy:job:ship");
        assert.equal(claims.pipeline, "down");
        assert.equal(claims.pipeline_counter, 1);
        assert.equal(claims.stage, "deploy");
        assert.equal(claims.stage_counter, 1);
        assert.equal(claims.job, "ship");
        assert.equal(claims.agent, "agent-1");
        assert.equal(claims.trigger, "upstream");
        assert.equal(typeof claims.job_run_id, "number");
        assert.equal(typeof claims.jti, "string");
        assert.ok(claims.exp! - claims.iat! === 600, "ten minutes");
        assert.deepEqual(claims.materials, [{ name: "up", type: "dependency", revision: "up/1/build/1" }]);
        assert.deepEqual(claims.fetched_artifacts, [
          {
            job: "up/1/build/1/pack",
            path: "pkg.txt",
            sha256: createHash("sha256").update(version).digest("hex"),
          },
        ]);
      }
      assert.notEqual(fromEnv.jti, fromCli.jti);

      // Masked: the tokens never reach the console log.
      const upLog = await api.console("up", 1, "build", "pack");
      assert.match(upLog, /build token: \*{6}/);
      assert.ok(!upLog.includes(buildToken));
      const downLog = await api.console("down", 1, "deploy", "ship");
      assert.match(downLog, /env token: \*{6}/);
      assert.match(downLog, /cli token: \*{6}/);
      for (const token of [envToken, cliToken.trim()]) {
        assert.ok(!downLog.includes(token), `a token in the console:\n${downLog}`);
        // Not even its signature alone.
        assert.ok(!downLog.includes(token.split(".")[2]!));
      }
    });
  },
);

test("fawkes id-token outside a job says so and fails", async () => {
  const result = await runCli(["id-token", "--audience", "x"], { env: { FAWKES_JOB_SOCKET: "" } });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /FAWKES_JOB_SOCKET is not set: fawkes id-token works only inside a job/);
  assert.equal(result.stdout, "");
});
