import path from "node:path";
import type { AgentDto } from "@fawkes/protocol";
import type { ApiClient } from "./api-client.ts";
import { spawnFawkes, type CapturedProcess } from "./child-process.ts";
import { onCleanup, type CleanupScope } from "./cleanup.ts";
import { tempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";

export interface AgentProcessOptions {
  serverUrl: string;
  /** Registration key: the server's autoRegisterKey registers it enabled. */
  key: string;
  name: string;
  /** @default a fresh temp dir */
  workDir?: string;
  resources?: string[];
  env?: Record<string, string>;
  /** More `fawkes agent` flags, e.g. `["--token-rotation", "1s"]`. */
  args?: string[];
}

/** A `fawkes agent` subprocess (PATH has Node 24's directory first, so jobs run Node 24). */
export interface AgentProcess {
  readonly name: string;
  readonly workDir: string;
  readonly process: CapturedProcess;
  /** Send `signal` (SIGKILL = crash) and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  output(): string;
}

export async function startAgentProcess(
  t: CleanupScope,
  options: AgentProcessOptions,
): Promise<AgentProcess> {
  const workDir = options.workDir ?? path.join(await tempDir(t, "fawkes-e2e-agent-"), "work");
  const args = ["agent", "--server", options.serverUrl, "--key", options.key, "--name", options.name];
  args.push("--work-dir", workDir);
  if (options.resources !== undefined && options.resources.length > 0) {
    args.push("--resources", options.resources.join(","));
  }
  args.push(...(options.args ?? []));
  const proc = spawnFawkes(`fawkes agent ${options.name}`, args, options.env);
  onCleanup(t, () => proc.kill("SIGTERM", 5000));
  return {
    name: options.name,
    workDir,
    process: proc,
    kill: (signal = "SIGTERM") => proc.kill(signal),
    output: () => proc.output(),
  };
}

/** Wait until the server lists agent `name` in `state` (default idle); returns its record. */
export async function waitForAgent(
  api: ApiClient,
  name: string,
  state: AgentDto["state"] = "idle",
  options: { timeoutMs?: number; agent?: AgentProcess } = {},
): Promise<AgentDto> {
  return waitFor(
    async () => (await api.agents()).agents.find((agent) => agent.name === name && agent.state === state),
    {
      timeoutMs: options.timeoutMs ?? 20_000,
      message: `agent ${name} to be ${state}`,
      abortIf: () => (options.agent?.process.hasExited() === true ? `agent ${name} exited` : undefined),
    },
  );
}
