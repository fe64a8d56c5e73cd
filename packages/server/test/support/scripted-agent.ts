/**
 * An agent played by the test over the real agent protocol (HTTP against the server under test): it registers,
 * long-polls for work, and reports state, console and the result only when the test says so. It speaks the
 * protocol package's wire types, as the real agent does, so a scheduling or lifecycle test needs no agent
 * process and no task to run.
 */
import assert from "node:assert/strict";
import {
  AGENT_PROTOCOL_VERSION,
  AgentHeader,
  type HeartbeatResponse,
  type JobAssignment,
  type JobResult,
  type RegisterResponse,
  type WorkResponse,
} from "@fawkes/protocol";

export interface ScriptedAgentOptions {
  name: string;
  /** @default [] */
  resources?: string[];
  /** Environments the agent registers into. @default [] */
  environments?: string[];
}

/** What the server answered to a report: its status and, for an error, the problem's code. */
export interface ReportAnswer {
  status: number;
  code?: string;
}

/**
 * How long any one request may take in real time. The server's clock is the test's, so a poll ends only when the
 * test advances it; one the test forgot fails here instead of hanging the test.
 */
const REQUEST_TIMEOUT_MS = 10_000;

export class ScriptedAgent {
  readonly name: string;
  readonly id: string;
  readonly #url: string;
  readonly #token: string;
  /** The jobs this agent was given, oldest first. */
  readonly jobs: JobAssignment[] = [];

  private constructor(url: string, name: string, registered: RegisterResponse) {
    this.#url = url;
    this.name = name;
    this.id = registered.agentId;
    this.#token = registered.token;
  }

  /** Registers with `key` (the auto-register key makes the agent enabled at once, the agent key pending). */
  static async register(url: string, key: string, options: ScriptedAgentOptions): Promise<ScriptedAgent> {
    const answer = await fetch(`${url}/agent/v1/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        protocolVersion: AGENT_PROTOCOL_VERSION,
        key,
        name: options.name,
        hostname: `${options.name}.test`,
        resources: options.resources ?? [],
        environments: options.environments ?? [],
      }),
    });
    assert.equal(answer.status, 200, await answer.clone().text());
    return new ScriptedAgent(url, options.name, (await answer.json()) as RegisterResponse);
  }

  /**
   * One long poll for work: resolves with the job the server hands over, or null when the poll ends without one
   * (its `waitMs` passed on the server's clock, or the server stopped). Not awaited, it is an agent waiting.
   */
  async work(waitMs = 30_000): Promise<JobAssignment | null> {
    const answer = await this.#post("/agent/v1/work", { waitMs });
    assert.equal(answer.status, 200, await answer.clone().text());
    const job = ((await answer.json()) as WorkResponse).job ?? null;
    if (job) this.jobs.push(job);
    return job;
  }

  async heartbeat(runningLeases: string[] = []): Promise<HeartbeatResponse> {
    const answer = await this.#post("/agent/v1/heartbeat", { runningLeases });
    assert.equal(answer.status, 200, await answer.clone().text());
    return (await answer.json()) as HeartbeatResponse;
  }

  state(job: JobAssignment, state: "preparing" | "building" | "completing"): Promise<ReportAnswer> {
    return this.#report(this.#post(`/agent/v1/jobs/${job.jobRunId}/state`, { state }, job));
  }

  console(job: JobAssignment, text: string): Promise<ReportAnswer> {
    return this.#report(
      fetch(`${this.#url}/agent/v1/jobs/${job.jobRunId}/console`, {
        method: "POST",
        headers: { ...this.#headers(job), "content-type": "text/plain" },
        body: text,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      }),
    );
  }

  complete(job: JobAssignment, result: JobResult): Promise<ReportAnswer> {
    return this.#report(this.#post(`/agent/v1/jobs/${job.jobRunId}/complete`, { result }, job));
  }

  /** POST /agent/v1/jobs/:jobRunId/credentials under the job's lease: the status and the parsed answer. */
  async credentials(job: JobAssignment): Promise<{ status: number; body: unknown }> {
    const answer = await this.#post(`/agent/v1/jobs/${job.jobRunId}/credentials`, {}, job);
    return { status: answer.status, body: (await answer.json()) as unknown };
  }

  /** Runs `job` the way a real agent reports it: preparing, building, a console line, then `result`. */
  async run(job: JobAssignment, result: JobResult = "passed"): Promise<void> {
    for (const state of ["preparing", "building"] as const)
      assert.equal((await this.state(job, state)).status, 204, `${this.name}: ${state}`);
    assert.equal((await this.console(job, `${job.locator.job} ran on ${this.name}\n`)).status, 204);
    assert.equal((await this.complete(job, result)).status, 204, `${this.name}: complete`);
  }

  #headers(job?: JobAssignment): Record<string, string> {
    return {
      authorization: `Bearer ${this.#token}`,
      ...(job && { [AgentHeader.lease]: job.leaseId }),
    };
  }

  #post(path: string, body: unknown, job?: JobAssignment): Promise<Response> {
    return fetch(this.#url + path, {
      method: "POST",
      headers: { ...this.#headers(job), "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  }

  async #report(pending: Promise<Response>): Promise<ReportAnswer> {
    const answer = await pending;
    const text = await answer.text();
    if (answer.ok) return { status: answer.status };
    const code = (JSON.parse(text) as { code?: string }).code;
    return { status: answer.status, ...(code !== undefined && { code }) };
  }
}
