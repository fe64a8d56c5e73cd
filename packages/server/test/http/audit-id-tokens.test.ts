/**
 * `id-token.issue` over the real agent protocol: one entry per ID token the server signs for a job — each
 * `id_tokens:` variable of its assignment and each `POST /agent/v1/jobs/:id/id-token` — by the agent holding
 * the job, with the audiences, `jti` and `sub` and never the token; a refused request leaves none, and a token
 * whose entry cannot be written is not handed out.
 */
import assert from "node:assert/strict";
import test, { type TestContext } from "node:test";
import { decodeJwt } from "jose";
import { AgentHeader, ApiRoutes, apiPath, type JobAssignment } from "@fawkes/protocol";
import { createGitRepo, waitFor, writePipelineDir, yamlString } from "@fawkes/testing";
import { playUntil, registerAgent, type PlayedAgent } from "./agent-player.ts";
import { allEntries, call, failingAuditInserts, ok, summary } from "./audit-support.ts";
import { startHttpServer, type HttpServer } from "./http-server.ts";

const pipelineYaml = (url: string): string => `
format_version: 10
pipelines:
  signed:
    group: audit
    materials:
      src:
        git: ${yamlString(url)}
        branch: main
        auto_update: false
    stages:
      - build:
          jobs:
            pack:
              id_tokens:
                VAULT_TOKEN: {aud: [https://vault.example, sts.amazonaws.com]}
                DEPLOY_TOKEN: {aud: deploy.example}
              tasks:
                - exec:
                    command: "true"
`;

const TARGET = "pipeline/signed/1/build/1/pack";

async function startWithJob(
  t: TestContext,
  plugins: Parameters<typeof startHttpServer>[1] = {},
): Promise<{ server: HttpServer; agent: PlayedAgent; job: JobAssignment }> {
  const repo = await createGitRepo(t, { "README.md": "signed\n" });
  const configDir = await writePipelineDir(t, { "signed.gocd.yaml": pipelineYaml(repo.path) });
  const server = await startHttpServer(t, { pipelineSources: [configDir], ...plugins });
  await waitFor(async () => (await call(server, "GET", ApiRoutes.pipelines)).text.includes('"signed"'), {
    message: "pipeline signed to load",
  });
  const agent = await registerAgent(server, server.keys.autoRegisterKey, "signer");
  await ok(server, "POST", apiPath(ApiRoutes.trigger, { name: "signed" }), {});
  const job = await playUntil(server, agent, async (assigned) => assigned, "the pack job");
  return { server, agent, job };
}

function askToken(
  server: HttpServer,
  agent: PlayedAgent,
  job: JobAssignment,
  audience: string,
  lease: string = job.leaseId,
) {
  return fetch(`${server.url}/agent/v1/jobs/${job.jobRunId}/id-token`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${agent.token}`,
      [AgentHeader.lease]: lease,
      "content-type": "application/json",
    },
    body: JSON.stringify({ audience }),
  });
}

const tokenEntries = async (server: HttpServer) =>
  (await allEntries(server)).filter((entry) => entry.action === "id-token.issue");

test(
  "every ID token a job gets leaves one id-token.issue entry by its agent, naming it by jti, never copying it",
  { timeout: 90_000 },
  async (t) => {
    const { server, agent, job } = await startWithJob(t);
    const variable = (name: string) =>
      job.environment.find((v) => v.name === name)?.value ?? assert.fail(`no ${name} in the assignment`);
    const tokens = [variable("VAULT_TOKEN"), variable("DEPLOY_TOKEN")];

    const refused = await askToken(server, agent, job, "cli.example", "not-the-lease");
    assert.ok(refused.status >= 400 && refused.status < 500, `${refused.status}`);
    assert.equal((await tokenEntries(server)).length, 2, "a refused request leaves no entry");

    const asked = await askToken(server, agent, job, "cli.example");
    assert.equal(asked.status, 200, await asked.clone().text());
    const answer = (await asked.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(answer).sort(), ["expiresAt", "token"]);
    tokens.push(String(answer.token));

    const entries = await tokenEntries(server);
    assert.deepEqual(entries.map(summary), [
      `id-token.issue agent:signer ${TARGET}`,
      `id-token.issue agent:signer ${TARGET}`,
      `id-token.issue agent:signer ${TARGET}`,
    ]);
    const claims = tokens.map((token) => decodeJwt(token));
    assert.deepEqual(
      entries.map((entry) => ({ ...entry.details })),
      claims.map((claim) => ({
        audiences: Array.isArray(claim.aud) ? claim.aud : [claim.aud],
        jti: claim.jti,
        sub: "pipeline:signed:stage:build:job:pack",
        expiresAt: (claim.exp ?? 0) * 1000,
      })),
    );
    assert.deepEqual(entries[0]?.details.audiences, ["https://vault.example", "sts.amazonaws.com"]);
    assert.equal(entries[0]?.sourceIp, null, "the assignment's tokens: the server hands them out on its own");
    assert.equal(entries[2]?.sourceIp, "127.0.0.1");
    const log = JSON.stringify(await allEntries(server));
    for (const token of tokens) {
      assert.ok(!log.includes(token), "no token in the audit log");
      assert.ok(!log.includes(token.split(".")[2] ?? "-"), "no token signature in the audit log");
    }
  },
);

test("an ID token whose entry cannot be written is not handed out", { timeout: 90_000 }, async (t) => {
  const { plugin, armed } = failingAuditInserts();
  const { server, agent, job } = await startWithJob(t, { plugins: [plugin] });
  const before = (await tokenEntries(server)).length;
  armed.on = true;
  const asked = await askToken(server, agent, job, "cli.example");
  const text = await asked.text();
  armed.on = false;
  assert.equal(asked.status, 500, text);
  assert.doesNotMatch(text, /eyJ/, "no token in the answer");
  assert.equal((await tokenEntries(server)).length, before);
});
