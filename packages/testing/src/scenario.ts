import { ApiRoutes, type PipelineListDto } from "@fawkes/protocol";
import {
  startAgentProcess,
  waitForAgent,
  type AgentProcess,
  type AgentProcessOptions,
} from "./agent-process.ts";
import type { ApiClient } from "./api-client.ts";
import { runCli, type CliResult } from "./cli.ts";
import type { CleanupScope } from "./cleanup.ts";
import { withProcessOutput, type HasOutput } from "./diagnostics.ts";
import { writePipelineDir } from "./pipeline-files.ts";
import { startServerProcess, type ServerProcess } from "./server-process.ts";
import { waitFor } from "./wait-for.ts";

export interface FawkesOptions {
  /** Config files of one `--pipelines` directory: file name → GoCD YAML. */
  pipelineFiles: Record<string, string>;
  /** Wait until the server lists these pipelines before returning. @default [] */
  expectPipelines?: string[];
  /** Auto-registered agents to start (named agent-1 … agent-N) and wait for until idle. @default 1 */
  agents?: number;
  /** `--poll-interval`. @default 60000 */
  pollIntervalMs?: number;
  /** Environment of the server process. */
  serverEnv?: Record<string, string>;
  /** Environment of agent processes. */
  agentEnv?: Record<string, string>;
  /** A `postgres://` URL or `"sqlite"` (server-process.ts `database`). @default the test store */
  database?: string;
}

/** A running server with its agents, and shortcuts the scenarios use. */
export interface Fawkes {
  readonly server: ServerProcess;
  readonly api: ApiClient;
  readonly agents: AgentProcess[];
  readonly pipelineDir: string;
  /** Run the CLI against this server with its token. */
  cli(args: string[]): Promise<CliResult>;
  /** Run the CLI and fail (with its output) unless it exits 0. */
  cliOk(args: string[]): Promise<CliResult>;
  /** Start one more auto-registered agent and wait until the server lists it idle. */
  addAgent(name: string, options?: Partial<AgentProcessOptions>): Promise<AgentProcess>;
  /** Run a scenario; a failure carries the output of the server and every agent. */
  diagnose<T>(scenario: () => Promise<T>): Promise<T>;
}

export async function startFawkes(t: CleanupScope, options: FawkesOptions): Promise<Fawkes> {
  const pipelineDir = await writePipelineDir(t, options.pipelineFiles);
  const server = await startServerProcess(t, {
    pipelines: [pipelineDir],
    pollIntervalMs: options.pollIntervalMs ?? 60_000,
    env: options.serverEnv,
    database: options.database,
  });
  const agents: AgentProcess[] = [];
  const sources = (): HasOutput[] => [server, ...agents];
  const diagnose = <T>(scenario: () => Promise<T>) => withProcessOutput(sources, scenario);

  const addAgent = async (name: string, extra: Partial<AgentProcessOptions> = {}) => {
    const agent = await startAgentProcess(t, {
      serverUrl: server.url,
      key: server.autoRegisterKey,
      name,
      env: options.agentEnv,
      ...extra,
    });
    agents.push(agent);
    await diagnose(() => waitForAgent(server.api, name, "idle", { agent }));
    return agent;
  };

  const cli = (args: string[]) => runCli(args, { server: server.url, token: server.token });
  const fawkes: Fawkes = {
    server,
    api: server.api,
    agents,
    pipelineDir,
    cli,
    async cliOk(args) {
      const result = await cli(args);
      if (result.code !== 0) {
        throw new Error(`fawkes ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
      }
      return result;
    },
    addAgent,
    diagnose,
  };

  const expected = options.expectPipelines ?? [];
  await diagnose(() =>
    waitFor(
      async () => {
        const list = await server.api.get<PipelineListDto>(ApiRoutes.pipelines);
        const listed = new Set(list.pipelines.map((pipeline) => pipeline.name));
        return expected.every((name) => listed.has(name));
      },
      { timeoutMs: 15_000, message: `pipelines ${expected.join(", ")} to be loaded` },
    ),
  );
  for (let index = 1; index <= (options.agents ?? 1); index++) await addAgent(`agent-${index}`);
  return fawkes;
}
