/**
 * Private test support: real `fawkes server` and `fawkes agent` processes, temp git repositories, the CLI, and
 * condition waiters with deadlines. Every helper registers its cleanup on the test context it is given.
 */
export { CleanupStack, onCleanup, type CleanupScope } from "./cleanup.ts";
export { tempDir } from "./temp-dir.ts";
export { git, gitEnv } from "./git.ts";
export { createGitRepo, type GitRepo } from "./git-repo.ts";
export { waitFor, WaitTimeoutError, type WaitForOptions } from "./wait-for.ts";
export { ApiError, createApiClient, type ApiClient, type RequestOptions } from "./api-client.ts";
export { startServerProcess, type ServerProcess, type ServerProcessOptions } from "./server-process.ts";
export { normalizeOutput, shellBlocks, type ShellBlock, type ShellCommand } from "./shell-blocks.ts";
export { phoenixSkip } from "./phoenix-skip.ts";
export { startUpProcess, type UpProcess, type UpProcessOptions } from "./up-process.ts";
export {
  startAgentProcess,
  waitForAgent,
  type AgentProcess,
  type AgentProcessOptions,
} from "./agent-process.ts";
export { runCli, type CliOptions, type CliResult } from "./cli.ts";
export { runFinished, summarizeRun, waitForRun, type WaitForRunOptions } from "./wait-for-run.ts";
export { withProcessOutput, type HasOutput } from "./diagnostics.ts";
export { writePipelineDir, yamlString } from "./pipeline-files.ts";
export { type CapturedProcess } from "./child-process.ts";
export { cliMain, pathWithNodeFirst, repoRoot } from "./paths.ts";
export { startFawkes, type Fawkes, type FawkesOptions } from "./scenario.ts";
export { adminCloudClient } from "./cloud-client.ts";
export { awsCli, type AwsCliKey } from "./aws-cli.ts";
export {
  agentProtocolContract,
  playAgentProtocolContract,
  type ContractOutcome,
  type ContractTarget,
} from "./agent-protocol-contract.ts";
export { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";
export {
  requestOnce,
  startLoad,
  type LoadGenerator,
  type LoadOptions,
  type LoadSample,
} from "./load-generator.ts";
export { addressBlock, probeHttp } from "./loopback.ts";
export { startGitHttpServer, type GitHttpServer, type GitHttpServerOptions } from "./git-http-server.ts";
export { dumpDatabase, sharedPostgres, startPostgres, type Postgres } from "./postgres.ts";
export { storeContents, type StoredServer } from "./store-contents.ts";
export { testDatabase, testStore, type TestStore } from "./test-store.ts";
export { ManualClock } from "./manual-clock.ts";
export { BUCKET_AND_ROLE_TEMPLATE, serviceTrustPolicy } from "./stack-templates.ts";
export { aliasBomb, hostileConfigFiles, hugeMapping, steadyPipeline } from "./hostile-config.ts";
