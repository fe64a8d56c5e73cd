/**
 * Malformed and hostile input gets a 4xx problem+json with a stable code and changes nothing; a broken config
 * file next to a good one does not stop the good pipeline from loading and is reported as file:line:column.
 */
import assert from "node:assert/strict";
import path from "node:path";
import test from "node:test";
import { AGENT_PROTOCOL_VERSION, ApiRoutes, ErrorCode, apiPath, type Problem } from "@fawkes/protocol";
import { createGitRepo, startFawkes, yamlString, type ApiClient } from "@fawkes/testing";

const goodYaml = (repoPath: string) => `
format_version: 10
pipelines:
  good:
    group: e2e
    materials:
      src:
        git: ${yamlString(repoPath)}
        branch: main
    stages:
      - build:
          jobs:
            compile:
              tasks:
                - exec:
                    command: "true"
  after-good:
    group: e2e
    materials:
      good: {pipeline: good, stage: build}
    stages:
      - deploy:
          jobs:
            ship:
              tasks:
                - exec:
                    command: "true"
`;

// Line 10, column 11 holds the mistake: a misspelt stage key (everything else in the file is valid).
const badYaml = `format_version: 10
pipelines:
  broken:
    group: e2e
    materials:
      src:
        git: /nowhere
    stages:
      - build:
          clean_workspac: true
          jobs:
            compile:
              tasks:
                - exec:
                    command: "true"
`;

interface Expectation {
  status: number;
  code: string;
}

async function expectProblem(response: Response, expected: Expectation): Promise<Problem> {
  const text = await response.text();
  assert.equal(response.status, expected.status, text);
  assert.match(response.headers.get("content-type") ?? "", /^application\/problem\+json/, text);
  const problem = JSON.parse(text) as Problem;
  assert.equal(problem.code, expected.code, text);
  assert.equal(problem.status, expected.status);
  assert.equal(typeof problem.title, "string");
  assert.equal(typeof problem.detail, "string");
  return problem;
}

async function assertHealthy(api: ApiClient): Promise<void> {
  const health = await api.request("GET", ApiRoutes.health, { anonymous: true });
  assert.equal(health.status, 200);
}

test(
  "bad requests get problem+json with stable codes and leave the server healthy",
  { timeout: 60_000 },
  async (t) => {
    const repo = await createGitRepo(t, null); // no commit: nothing triggers a run by itself
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "good.gocd.yaml": goodYaml(repo.path), "bad.gocd.yaml": badYaml },
      expectPipelines: ["good", "after-good"],
      agents: 0,
    });
    const { api } = fawkes;

    await fawkes.diagnose(async () => {
      const triggerPath = apiPath(ApiRoutes.trigger, { name: "good" });
      const runsBefore = (await api.status("good")).runs.length;

      await expectProblem(await api.request("POST", triggerPath, { body: "{not json" }), {
        status: 400,
        code: ErrorCode.badRequest,
      });
      await expectProblem(
        await api.request("POST", triggerPath, { body: { revisions: 5, surprise: true } }),
        {
          status: 400,
          code: ErrorCode.validation,
        },
      );
      await expectProblem(
        await api.request("POST", apiPath(ApiRoutes.trigger, { name: "nope" }), { body: {} }),
        {
          status: 404,
          code: ErrorCode.pipelineNotFound,
        },
      );
      await expectProblem(await api.request("POST", triggerPath, { body: {}, anonymous: true }), {
        status: 401,
        code: ErrorCode.unauthorized,
      });
      await expectProblem(
        await api.request("POST", triggerPath, {
          body: {},
          anonymous: true,
          headers: { authorization: "Bearer wrong" },
        }),
        { status: 401, code: ErrorCode.unauthorized },
      );
      await expectProblem(
        await api.request("GET", apiPath(ApiRoutes.run, { name: "good", counter: 99_999 })),
        {
          status: 404,
          code: ErrorCode.runNotFound,
        },
      );
      // The repository has no commit yet, so its branch does not exist and `good` has never passed.
      await expectProblem(await api.request("POST", triggerPath, { body: {} }), {
        status: 409,
        code: ErrorCode.branchNotFound,
      });
      await expectProblem(
        await api.request("POST", apiPath(ApiRoutes.trigger, { name: "after-good" }), { body: {} }),
        { status: 409, code: ErrorCode.upstreamNotPassed },
      );
      assert.equal((await api.status("good")).runs.length, runsBefore, "no bad request created a run");
      assert.equal((await api.status("after-good")).runs.length, 0, "no bad request created a run");

      // Webhooks: public, but a malformed payload is rejected.
      await expectProblem(await api.request("POST", ApiRoutes.webhook, { body: "{oops", anonymous: true }), {
        status: 400,
        code: ErrorCode.webhookPayload,
      });
      await expectProblem(
        await api.request("POST", ApiRoutes.webhook, { body: { url: 42 }, anonymous: true }),
        { status: 400, code: ErrorCode.webhookPayload },
      );
      await expectProblem(
        await api.request("POST", ApiRoutes.webhook, {
          body: { ref: "refs/heads/main" },
          anonymous: true,
          headers: { "x-github-event": "push" },
        }),
        { status: 400, code: ErrorCode.webhookPayload },
      );

      // Agent registration: malformed, wrong key, wrong protocol version.
      const register = (body: unknown) =>
        api.request("POST", "/agent/v1/register", { body, anonymous: true });
      const registration = {
        protocolVersion: AGENT_PROTOCOL_VERSION,
        key: fawkes.server.agentKey,
        name: "intruder",
        hostname: "h",
        resources: [],
      };
      await expectProblem(await register("{]"), { status: 400, code: ErrorCode.badRequest });
      await expectProblem(await register({ ...registration, key: "wrong-key" }), {
        status: 401,
        code: ErrorCode.unauthorized,
      });
      await expectProblem(await register({ ...registration, protocolVersion: AGENT_PROTOCOL_VERSION + 99 }), {
        status: 400,
        code: ErrorCode.protocolVersion,
      });
      await expectProblem(await register({ ...registration, name: "../../etc" }), {
        status: 400,
        code: ErrorCode.validation,
      });
      assert.equal(
        (await api.agents()).agents.some((agent) => agent.name === "intruder"),
        false,
        "no rejected registration created an agent",
      );

      // A huge body is refused, not buffered into a crash. (The server may also close the connection before
      // reading it all, which fails the upload with EPIPE; either way it must stay up.)
      const huge = JSON.stringify({ revisions: { src: "a".repeat(4 * 1024 * 1024) } });
      const tooLarge = await api.request("POST", triggerPath, { body: huge }).catch(() => undefined);
      if (tooLarge !== undefined)
        await expectProblem(tooLarge, { status: 413, code: ErrorCode.payloadTooLarge });

      await assertHealthy(api);
      const pipelines = (await api.get<{ pipelines: { name: string }[] }>(ApiRoutes.pipelines)).pipelines;
      assert.deepEqual(pipelines.map((pipeline) => pipeline.name).sort(), ["after-good", "good"]);
    });
  },
);

test(
  "a bad config file next to a good one: the good pipeline loads, the error has file:line:column",
  { timeout: 60_000 },
  async (t) => {
    const repo = await createGitRepo(t, null); // no commit: nothing triggers a run by itself
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "good.gocd.yaml": goodYaml(repo.path), "bad.gocd.yaml": badYaml },
      expectPipelines: ["good", "after-good"],
      agents: 0,
    });
    await fawkes.diagnose(async () => {
      const { errors } = await fawkes.api.configErrors();
      const issue = errors.find(
        (error) => path.basename(error.file) === "bad.gocd.yaml" && error.line === 10 && error.column === 11,
      );
      assert.ok(issue !== undefined, `no issue at bad.gocd.yaml:10:11 in ${JSON.stringify(errors)}`);
      assert.match(issue.message, /clean_workspac/);
      assert.ok(issue.pipelines.includes("broken") || issue.pipelines.length === 0, JSON.stringify(issue));
      assert.ok(
        !errors.some((error) => path.basename(error.file) === "good.gocd.yaml"),
        JSON.stringify(errors),
      );

      // `fawkes validate` reports the same place offline and fails.
      const validation = await fawkes.cli(["validate", path.join(fawkes.pipelineDir, "bad.gocd.yaml")]);
      assert.notEqual(validation.code, 0);
      assert.match(validation.stdout + validation.stderr, /bad\.gocd\.yaml:10:11/);
    });
  },
);
