/**
 * The set-up of the tests that run real jobs against the cloud endpoint: a server in this process (so a test can
 * make roles as `fawkes up` does) on a directory of pipelines, with the suite's store, and one real `fawkes agent`
 * named `builder` whose jobs find Debian's awscli 2.9 first on their PATH and no ~/.aws of ours.
 */
import {
  createApiClient,
  startAgentProcess,
  tempDir,
  testDatabase,
  waitFor,
  type AgentProcess,
  type ApiClient,
} from "@fawkes/testing";
import type { TestContext } from "node:test";
import { pino } from "pino";
import { compileServerOptions, startServer } from "../../src/index.ts";

export interface ServerWithAgent {
  server: Awaited<ReturnType<typeof startServer>>;
  api: ApiClient;
  agent: AgentProcess;
}

export async function startServerWithAgent(t: TestContext, pipelines: string): Promise<ServerWithAgent> {
  const server = await startServer(
    compileServerOptions(
      {
        dataDir: await tempDir(t, "fawkes-cloud-jobs-"),
        port: 0,
        cloudPort: 0,
        pipelineSources: [pipelines],
        pollIntervalMs: 0,
        database: await testDatabase(t),
      },
      {},
    ),
    pino({ level: "silent" }),
  );
  t.after(() => server.close());
  const api = createApiClient(
    () => server.url,
    () => server.apiToken,
  );
  const agent = await startAgentProcess(t, {
    serverUrl: server.url,
    key: server.autoRegisterKey,
    name: "builder",
    env: { PATH: "/usr/bin:/bin", HOME: await tempDir(t, "fawkes-home-") },
  });
  await waitFor(async () => (await api.agents()).agents.some((a) => a.name === "builder"), {
    timeoutMs: 30_000,
    message: "the agent to register",
  });
  return { server, api, agent };
}
