import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { AgentHeader, JobResult } from "@fawkes/protocol/constants";
import type { JobAssignment } from "@fawkes/protocol";
import type { CompiledOptions } from "../options.ts";
import { isLeaseLost } from "../server-client.ts";
import type { ServerClient } from "../server-client.ts";
import { uploadArtifacts } from "./artifact-upload.ts";
import { uploadExternalArtifacts } from "./external-upload.ts";
import { withAwsWrapper } from "./aws-wrapper.ts";
import { ConsoleStream, type LineTime } from "./console-stream.ts";
import { secretValues, taskEnvironment } from "./environment.ts";
import { sendHeartbeats, watchCancel } from "./job-watchers.ts";
import type { TaskContext } from "./task-context.ts";
import { runTasks } from "./task-runner.ts";
import type { TasksOutcome } from "./task-runner.ts";
import { JobCredentials } from "./job-credentials.ts";
import { JOB_SOCKET_VARIABLE, JobSocket } from "./job-socket.ts";
import { RoleCredentialsCache, roleVariables } from "./metadata-credentials.ts";
import { jobMetadataSource, startMetadataServer, type RunningMetadataServer } from "./metadata-server.ts";
import { groupAlive, groupExists, killProcessGroup } from "./process-group.ts";
import { prepareWorkspace } from "./workspace.ts";
import type { ProcessLedger } from "./leftover-processes.ts";
import type { TaskSandbox } from "./task-sandbox.ts";

/** What the agent keeps across jobs for its tasks' processes. */
export interface TaskHost {
  sandbox: TaskSandbox;
  ledger: ProcessLedger;
}

/** Thrown inside a job once its lease is lost: unwinds the job without reporting anything more. */
class Fenced extends Error {}

/**
 * One job from assignment to `complete`. Reports go through the client, which retries while the server
 * is unreachable (it accepts the same lease after a restart). A 409 FAWKES_LEASE_LOST anywhere fences
 * the job: its processes are killed and nothing more is sent.
 */
export class JobRunner {
  readonly #job: JobAssignment;
  readonly #client: ServerClient;
  readonly #options: CompiledOptions;
  readonly #abort = new AbortController();
  readonly #cancel = new AbortController();
  readonly #finished = new AbortController();
  readonly #console: ConsoleStream;
  readonly #processGroups: number[] = [];
  readonly #sandbox: TaskSandbox;
  readonly #ledger: ProcessLedger;
  #fenced = false;
  /** Set once the result is being reported: a cancel or revoked lease after that is the job's end, not a cancel. */
  #reportingResult = false;
  /** Serves the materials' credentials to git in the workspace while the job runs. */
  #credentials: JobCredentials | undefined;
  /** Answers the tasks' requests to the agent (`fawkes id-token`) while the job runs. */
  #socket: JobSocket | undefined;
  /** The job's own instance metadata endpoint (its role's credentials), from start to end of the job. */
  #metadata: RunningMetadataServer | undefined;
  readonly #roleCredentials: RoleCredentialsCache;
  readonly #startedAt = Date.now();
  /** State reports go out in order without holding the job up; `complete` waits for them. */
  #stateReports: Promise<void> = Promise.resolve();

  constructor(job: JobAssignment, client: ServerClient, options: CompiledOptions, host: TaskHost) {
    this.#job = job;
    this.#sandbox = host.sandbox;
    this.#ledger = host.ledger;
    this.#client = client;
    this.#options = options;
    const spoolDir = join(options.workDir, "spool");
    mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
    this.#console = new ConsoleStream(
      (parts, lineTimes) => this.#sendConsole(parts, lineTimes),
      [...secretValues(job.environment), ...JobCredentials.secretsOf(job.materials)],
      join(spoolDir, `job-${job.jobRunId}.log`),
      () => Date.now() + client.serverClockOffsetMs,
    );
    this.#roleCredentials = new RoleCredentialsCache({
      fetch: () =>
        client.jobRoleCredentials(job, AbortSignal.any([this.#abort.signal, AbortSignal.timeout(30_000)])),
      initial: job.roleCredentials,
      // Masked before any task can be given them.
      onReceived: (values) => this.#console.addSecrets(values),
      onStale: (error) =>
        options.log("warn", "job credentials refresh failed; serving the previous ones", {
          jobRunId: job.jobRunId,
          message: String(error),
        }),
    });
  }

  get leaseId(): string {
    return this.#job.leaseId;
  }

  /**
   * The server cancelled the job: kill the running task, run its on_cancel, report `cancelled`. Once the result
   * is being reported there is nothing left to cancel: the server ends the job's wait-cancel poll and revokes
   * its lease when it records the result, and that is no cancel.
   */
  cancel(): void {
    if (this.#reportingResult) return;
    if (!this.#cancel.signal.aborted)
      this.#options.log("info", "job cancelled", { jobRunId: this.#job.jobRunId });
    this.#cancel.abort();
  }

  /** Stop without reporting (agent stopping, or lease lost). */
  abort(): void {
    this.#abort.abort();
    this.#console.stop();
  }

  async run(): Promise<void> {
    const job = this.#job;
    const log = this.#options.log;
    log("info", "job started", {
      jobRunId: job.jobRunId,
      pipeline: job.locator.pipeline,
      job: job.locator.job,
    });
    const watchSignal = AbortSignal.any([this.#finished.signal, this.#abort.signal]);
    const handlers = { cancel: () => this.cancel(), fence: () => this.#fence() };
    const watchers = Promise.all([
      watchCancel(this.#client, job, watchSignal, handlers, log),
      sendHeartbeats(this.#client, job, watchSignal, log),
    ]);
    try {
      const result = await this.#execute();
      await this.#stopLeftovers();
      // Gone before the server hears the job is over (and revokes its credentials).
      await this.#metadata?.close();
      await this.#console.close();
      await this.#stateReports;
      if (this.#abort.signal.aborted) throw new Fenced();
      this.#reportingResult = true;
      await this.#report("complete", { result });
      log("info", "job completed", { jobRunId: job.jobRunId, result });
    } catch (error) {
      if (!(error instanceof Fenced))
        log("error", "job ended abnormally", { jobRunId: job.jobRunId, message: String(error) });
      else if (this.#fenced) log("warn", "lease lost; job stopped", { jobRunId: job.jobRunId });
    } finally {
      this.#finished.abort();
      try {
        await this.#stopLeftovers();
      } finally {
        // Whatever happened above, nothing of the job's may outlive it: its endpoint and its git credentials.
        await this.#metadata?.close();
        await this.#credentials?.close();
        await this.#socket?.close();
        this.#console.stop();
        await watchers;
      }
    }
  }

  async #execute(): Promise<"passed" | "failed" | "cancelled"> {
    const job = this.#job;
    const checksOut = job.fetchMaterials && job.materials.length > 0;
    // A job with nothing to check out goes straight from assigned to building.
    if (checksOut) this.#reportState("preparing");
    const ctx: TaskContext = {
      job,
      workspace: "",
      env: {},
      console: this.#console,
      client: this.#client,
      cancelSignal: this.#cancel.signal,
      abortSignal: this.#abort.signal,
      processGroups: this.#processGroups,
      sandbox: this.#sandbox,
    };
    let outcome: TasksOutcome;
    try {
      this.#metadata = await startMetadataServer(
        jobMetadataSource(job, this.#options.name, this.#startedAt, () => this.#roleCredentials.get()),
      );
      ctx.env = await withAwsWrapper(
        this.#options.workDir,
        taskEnvironment(job.environment, this.#metadata.url),
      );
      this.#socket = await JobSocket.open(this.#options.workDir, {
        idToken: (audience) => this.#idToken(audience),
      });
      ctx.env[JOB_SOCKET_VARIABLE] = this.#socket.path;
      ctx.beforeTask = roleVariables(job, ctx.env, () => this.#roleCredentials.get());
      if (job.fetchMaterials)
        this.#credentials = await JobCredentials.open(this.#options.workDir, job.materials);
      ctx.workspace = await prepareWorkspace(
        this.#options.workDir,
        job,
        this.#console,
        this.#credentials?.helper,
      );
      this.#reportState("building");
      outcome = await runTasks(job.tasks, ctx);
    } catch (error) {
      if (error instanceof Fenced) throw error;
      this.#console.line(`Job failed while preparing: ${(error as Error).message}`);
      outcome = "failed";
    }
    if (outcome === "aborted") throw new Fenced();
    if (outcome === "cancelled" || this.#cancel.signal.aborted) return JobResult.cancelled;
    this.#console.line(`Tasks ${outcome}`);
    const external = job.externalArtifacts ?? [];
    if (ctx.workspace === "" || (job.artifacts.length === 0 && external.length === 0)) return outcome;
    this.#reportState("completing");
    try {
      await uploadArtifacts(ctx);
      await uploadExternalArtifacts(ctx);
    } catch (error) {
      if (this.#abort.signal.aborted || isLeaseLost(error)) this.#fenceAndThrow();
      this.#console.line(`Artifact upload failed: ${(error as Error).message}`);
      return JobResult.failed;
    }
    return outcome;
  }

  /**
   * Processes the job's tasks left running in the background are stopped with it (as Jenkins and Buildkite do):
   * nothing outlives its job to hold the agent's next workspace, ports or console.
   */
  async #stopLeftovers(): Promise<void> {
    const alive = this.#processGroups.filter((pgid) => groupExists(pgid) && groupAlive(pgid));
    this.#processGroups.length = 0;
    if (alive.length > 0) {
      this.#console.line(`Stopping ${alive.length} process group(s) the tasks left running`);
      await Promise.all(alive.map((pgid) => killProcessGroup(pgid)));
    }
    // Whatever left its group (setsid) is found in the namespace.
    await this.#sandbox.endJob();
    this.#ledger.clear();
  }

  #reportState(state: "preparing" | "building" | "completing"): void {
    const report = this.#stateReports.then(() => this.#report("state", { state }));
    // A fence shows up as the job's abort signal; the chain itself must never reject.
    this.#stateReports = report.catch(() => undefined);
  }

  async #report(sub: "state" | "complete", json: object): Promise<void> {
    if (this.#abort.signal.aborted) throw new Fenced();
    try {
      const response = await this.#client.jobCall(this.#job, sub, { json, signal: this.#abort.signal });
      response.resume();
    } catch (error) {
      if (this.#abort.signal.aborted || isLeaseLost(error)) this.#fenceAndThrow();
      this.#options.log("warn", "job report refused", {
        jobRunId: this.#job.jobRunId,
        report: sub,
        message: String(error),
      });
    }
  }

  async #sendConsole(parts: readonly Buffer[], lineTimes: readonly LineTime[]): Promise<void> {
    try {
      const response = await this.#client.jobCall(this.#job, "console", {
        body: () => parts,
        headers: {
          "content-type": "text/plain; charset=utf-8",
          // The first line's time alone is what a server before line times reads.
          [AgentHeader.consoleTime]: String(lineTimes[0]?.[1] ?? Date.now()),
          [AgentHeader.consoleLineTimes]: lineTimes.map(([offset, time]) => `${offset}:${time}`).join(","),
        },
        signal: this.#abort.signal,
      });
      response.resume();
    } catch (error) {
      if (isLeaseLost(error)) this.#fence();
      if (this.#abort.signal.aborted) throw error;
      this.#options.log("warn", "console batch refused", {
        jobRunId: this.#job.jobRunId,
        message: String(error),
      });
    }
  }

  /** A token from the server for this job; masked in the console before the task that asked can print it. */
  async #idToken(audience: string): Promise<{ token: string; expiresAt: number }> {
    const signal = AbortSignal.any([this.#abort.signal, this.#finished.signal, AbortSignal.timeout(30_000)]);
    const { token, expiresAt } = await this.#client.idToken(this.#job, audience, signal);
    this.#console.addSecrets([token]);
    this.#options.log("info", "job id token issued", { jobRunId: this.#job.jobRunId, audience });
    return { token, expiresAt };
  }

  #fence(): void {
    if (this.#abort.signal.aborted) return;
    this.#fenced = true;
    this.abort();
  }

  #fenceAndThrow(): never {
    this.#fence();
    throw new Fenced();
  }
}
