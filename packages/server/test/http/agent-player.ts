/**
 * Plays an agent over the real agent protocol (register, long poll, upload, complete), so a test controls
 * exactly when a job holds its lease and what it sends.
 */
import assert from "node:assert/strict";
import { AGENT_PROTOCOL_VERSION, AgentHeader, type JobAssignment, type WorkResponse } from "@fawkes/protocol";
import { waitFor } from "@fawkes/testing";
import type { HttpServer } from "./http-server.ts";

export interface PlayedAgent {
  name: string;
  token: string;
  agentId: string;
}

export async function registerAgent(
  server: Pick<HttpServer, "url">,
  key: string,
  name: string,
): Promise<PlayedAgent> {
  const answer = await fetch(`${server.url}/agent/v1/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      protocolVersion: AGENT_PROTOCOL_VERSION,
      key,
      name,
      hostname: name,
      resources: [],
    }),
  });
  assert.equal(answer.status, 200, await answer.clone().text());
  const registered = (await answer.json()) as { token: string; agentId: string };
  return { name, token: registered.token, agentId: registered.agentId };
}

export async function work(
  server: Pick<HttpServer, "url">,
  agent: PlayedAgent,
  waitMs = 2_000,
): Promise<JobAssignment | null> {
  const answer = await fetch(`${server.url}/agent/v1/work`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ waitMs }),
  });
  assert.equal(answer.status, 200, await answer.clone().text());
  return ((await answer.json()) as WorkResponse).job ?? null;
}

const leaseHeaders = (agent: PlayedAgent, job: JobAssignment): Record<string, string> => ({
  authorization: `Bearer ${agent.token}`,
  [AgentHeader.lease]: job.leaseId,
});

export async function uploadArtifact(
  server: Pick<HttpServer, "url">,
  agent: PlayedAgent,
  job: JobAssignment,
  path: string,
  body: string | Buffer,
): Promise<void> {
  const answer = await fetch(`${server.url}/agent/v1/jobs/${job.jobRunId}/artifacts/${path}`, {
    method: "PUT",
    headers: { ...leaseHeaders(agent, job), "content-type": "application/octet-stream" },
    body,
  });
  assert.equal(answer.status, 200, await answer.text());
}

export async function appendConsole(
  server: Pick<HttpServer, "url">,
  agent: PlayedAgent,
  job: JobAssignment,
  text: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const answer = await fetch(`${server.url}/agent/v1/jobs/${job.jobRunId}/console`, {
    method: "POST",
    headers: { ...leaseHeaders(agent, job), "content-type": "text/plain", ...headers },
    body: text,
  });
  assert.equal(answer.status, 204, await answer.text());
  return answer;
}

export async function completeJob(
  server: Pick<HttpServer, "url">,
  agent: PlayedAgent,
  job: JobAssignment,
): Promise<void> {
  const answer = await fetch(`${server.url}/agent/v1/jobs/${job.jobRunId}/complete`, {
    method: "POST",
    headers: { ...leaseHeaders(agent, job), "content-type": "application/json" },
    body: JSON.stringify({ result: "passed" }),
  });
  assert.equal(answer.status, 204, await answer.text());
}

/**
 * Polls for work as `agent`, passing every job to `onJob` until it returns a value (the job it keeps).
 */
export async function playUntil<T>(
  server: Pick<HttpServer, "url">,
  agent: PlayedAgent,
  onJob: (job: JobAssignment) => Promise<T | undefined>,
  message: string,
): Promise<T> {
  return waitFor(
    async () => {
      const job = await work(server, agent);
      return job ? onJob(job) : undefined;
    },
    { timeoutMs: 30_000, message },
  );
}
