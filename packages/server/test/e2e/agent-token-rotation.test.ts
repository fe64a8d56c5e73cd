/**
 * Real agent processes rotating their own tokens (`fawkes agent --token-rotation`): the agent replaces its token on
 * schedule, saves it atomically (mode 0600), keeps working, and the token it rotated away from is refused once the
 * new one is in use. And a crash between the server's answer and the save (simulated: the server answers a
 * rotation while `agent.json` keeps the old token) does not lock the agent out: it comes back with the old token
 * during the grace, gets a new one at registration, and runs jobs.
 */
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import test, { type TestContext } from "node:test";
import { ApiRoutes, type AuditListDto } from "@fawkes/protocol";
import {
  createGitRepo,
  startFawkes,
  summarizeRun,
  waitFor,
  waitForAgent,
  waitForRun,
  yamlString,
  type AgentProcess,
  type Fawkes,
} from "@fawkes/testing";

const pipelineYaml = (repo: string): string => `
format_version: 10
pipelines:
  rotation:
    group: e2e
    materials:
      src: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - only: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`;

interface Identity {
  agentId: string;
  token: string;
  tokenIssuedAt?: number;
}

const savedIdentity = (agent: AgentProcess): Promise<Identity | undefined> =>
  readFile(path.join(agent.workDir, "agent.json"), "utf8").then(
    (text) => JSON.parse(text) as Identity,
    () => undefined,
  );

/** A saved token other than every one in `not`. */
const newToken = (agent: AgentProcess, not: string[]): Promise<Identity> =>
  waitFor(
    async () => {
      const identity = await savedIdentity(agent);
      return identity && !not.includes(identity.token) ? identity : undefined;
    },
    { timeoutMs: 20_000, message: "the agent to save a new token" },
  );

/** A side-effect-free agent request (no pipeline is scheduled, so a poll takes no job). */
const poll = (fawkes: Fawkes, token: string): Promise<number> =>
  fetch(`${fawkes.server.url}/agent/v1/work`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ waitMs: 0 }),
  }).then(async (answer) => (await answer.arrayBuffer(), answer.status));

const refused = (fawkes: Fawkes, token: string, what: string): Promise<true> =>
  waitFor(async () => (await poll(fawkes, token)) === 401 || undefined, {
    timeoutMs: 20_000,
    message: `${what} to be refused`,
  });

async function runPasses(fawkes: Fawkes, counter: number): Promise<void> {
  await fawkes.cliOk(["trigger", "rotation"]);
  const run = await waitForRun(fawkes.api, "rotation", counter, (r) => r.result !== "building");
  assert.equal(run.result, "passed", summarizeRun(run));
}

/** A server with the pipeline `rotation` and no agent yet. */
async function startWithoutAgents(t: TestContext): Promise<Fawkes> {
  const repo = await createGitRepo(t, { "README.md": "x\n" });
  return startFawkes(t, {
    pipelineFiles: { "p.gocd.yaml": pipelineYaml(repo.path) },
    expectPipelines: ["rotation"],
    agents: 0,
  });
}

async function rotations(fawkes: Fawkes, agent: string): Promise<AuditListDto["entries"]> {
  const page = await fawkes.api.get<AuditListDto>(`${ApiRoutes.audit}?action=agent.token.rotate&limit=500`);
  return page.entries.filter((entry) => entry.actor.name === agent);
}

test(
  "an agent rotates its token on schedule, keeps working, and the old token is refused",
  { timeout: 120_000 },
  async (t) => {
    const fawkes = await startWithoutAgents(t);
    await fawkes.diagnose(async () => {
      const agent = await fawkes.addAgent("rotor", { args: ["--token-rotation", "2s"] });
      const first = await waitFor(() => savedIdentity(agent), { message: "the agent's saved identity" });
      const second = await newToken(agent, [first.token]);
      assert.equal(second.agentId, first.agentId, "the same agent record");
      assert.ok((second.tokenIssuedAt ?? 0) > (first.tokenIssuedAt ?? 0), "the new token's time is saved");
      assert.equal((await stat(path.join(agent.workDir, "agent.json"))).mode & 0o777, 0o600);
      // The agent uses its new token at once (its long poll), which ends the old one's grace.
      await refused(fawkes, first.token, "the rotated-away token");
      // It keeps rotating and working across rotations.
      const third = await newToken(agent, [first.token, second.token]);
      await runPasses(fawkes, 1);
      await refused(fawkes, second.token, "the second token");
      await newToken(agent, [first.token, second.token, third.token]);
      await runPasses(fawkes, 2);
      await waitForAgent(fawkes.api, "rotor", "idle", { agent });
      const entries = await rotations(fawkes, "rotor");
      assert.ok(entries.length >= 3, `three rotations recorded, got ${entries.length}`);
      for (const entry of entries) {
        assert.equal(entry.actor.kind, "agent");
        assert.equal(entry.target, "agent/rotor");
        assert.ok(
          !JSON.stringify(entry).includes(first.token) && !JSON.stringify(entry).includes(second.token),
        );
      }
      assert.doesNotMatch(agent.output(), /token rotation failed/);
    });
  },
);

test(
  "a crash between the server's answer and saving the new token does not lock the agent out",
  { timeout: 120_000 },
  async (t) => {
    const fawkes = await startWithoutAgents(t);
    await fawkes.diagnose(async () => {
      // Rotation off: only the simulated one happens.
      const first = await fawkes.addAgent("phoenix", { args: ["--token-rotation", "0"] });
      const before = await waitFor(() => savedIdentity(first), { message: "the agent's saved identity" });
      await first.kill("SIGKILL");
      // The rotation the agent asked for just before dying: the server answered, nothing reached the disk.
      const answer = await fetch(`${fawkes.server.url}/agent/v1/token`, {
        method: "POST",
        headers: { authorization: `Bearer ${before.token}` },
      });
      assert.equal(answer.status, 200, await answer.clone().text());
      const lost = ((await answer.json()) as { token: string }).token;
      assert.deepEqual(await savedIdentity(first), before, "agent.json still holds the old token");

      // Restarted on the same work directory, with the default rotation (not due): it comes back.
      const again = await fawkes.addAgent("phoenix", { workDir: first.workDir });
      const after = await newToken(again, [before.token, lost]);
      assert.equal(after.agentId, before.agentId, "the same agent record, enabled as before");
      await runPasses(fawkes, 1);
      await refused(fawkes, before.token, "the old token");
      assert.equal(await poll(fawkes, lost), 401, "the lost token");
      const entries = await rotations(fawkes, "phoenix");
      assert.deepEqual(entries.map((entry) => entry.details).reverse(), [
        { id: before.agentId },
        { id: before.agentId, withPreviousToken: true, atRegistration: true },
      ]);
    });
  },
);
