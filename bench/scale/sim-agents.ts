/**
 * Simulated agents: protocol-level clients of /agent/v1 in the bench process, one kept-alive socket each, that
 * talk exactly as `fawkes agent` does (packages/agent/src/server-client.ts) without running anything:
 * register with the registration key (pending), get enabled through the API as the bench's user, then loop
 * `POST /agent/v1/work {waitMs: 25000}`. A job is acknowledged the way the real agent's job runner reports one
 * that ran `true` with `fetch_materials: false`: state `building`, state `completing`, then `complete`
 * `{result: "passed"}`, each carrying the lease header; then the agent polls again, idle. The job's side calls
 * (its wait-cancel long poll, heartbeats every 5 s) are left out: the job lasts a few milliseconds.
 */
import { hostname } from "node:os";
import http from "node:http";
import { AGENT_PROTOCOL_VERSION, AgentHeader } from "@fawkes/protocol/constants";
import type { JobAssignment, RegisterResponse, WorkResponse } from "@fawkes/protocol";
import type { ApiClient } from "@fawkes/testing";
import { nowMs } from "../lib/stats.ts";

/** The real agent's default long poll (packages/agent/src/options.ts). */
export const WORK_WAIT_MS = 25_000;

export interface Assignment {
  job: JobAssignment;
  agent: string;
  /** nowMs() when the work response was read in full. */
  receivedAt: number;
}

interface Reply {
  status: number;
  text: string;
}

export class SimulatedAgents {
  readonly #base: URL;
  readonly #api: ApiClient;
  readonly #key: string;
  /** One socket per agent: maxSockets is unbounded, so 1,000 long polls are 1,000 connections. */
  readonly #pool = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  readonly #stop = new AbortController();
  readonly #loops: Promise<void>[] = [];
  readonly #polling = new Set<string>();
  #onAssignment: (assignment: Assignment) => void = () => {};
  /** Failed calls (network errors, non-2xx answers), each retried after a pause as the real agent does. */
  errors = 0;
  lastError = "";

  constructor(options: { serverUrl: string; api: ApiClient; registrationKey: string }) {
    this.#base = new URL(options.serverUrl);
    this.#api = options.api;
    this.#key = options.registrationKey;
  }

  get count(): number {
    return this.#loops.length;
  }

  /** Agents with a work poll in flight right now. */
  get polling(): number {
    return this.#polling.size;
  }

  set onAssignment(handler: (assignment: Assignment) => void) {
    this.#onAssignment = handler;
  }

  /** Registers, enables and starts `count` more agents (a few at a time: registration hashes a token). */
  async add(count: number): Promise<void> {
    const names = Array.from(
      { length: count },
      (_, index) => `sim-${String(this.count + index).padStart(4, "0")}`,
    );
    const tokens: (readonly [string, string])[] = [];
    for (let start = 0; start < names.length; start += 20) {
      const batch = names.slice(start, start + 20);
      tokens.push(
        ...(await Promise.all(batch.map(async (name) => [name, await this.#register(name)] as const))),
      );
      await Promise.all(batch.map((name) => this.#api.enableAgent(name)));
    }
    for (const [name, token] of tokens) this.#loops.push(this.#loop(name, token));
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#loops);
    this.#pool.destroy();
  }

  async #register(name: string): Promise<string> {
    const reply = await this.#call("/agent/v1/register", {
      json: {
        protocolVersion: AGENT_PROTOCOL_VERSION,
        key: this.#key,
        name,
        hostname: hostname().slice(0, 255),
        resources: [],
        environments: [],
        runningLeases: [],
      },
    });
    if (reply.status !== 200) throw new Error(`registering ${name}: ${reply.status} ${reply.text}`);
    return (JSON.parse(reply.text) as RegisterResponse).token;
  }

  async #loop(name: string, token: string): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        this.#polling.add(name);
        const reply = await this.#call("/agent/v1/work", { token, json: { waitMs: WORK_WAIT_MS } });
        const receivedAt = nowMs();
        this.#polling.delete(name);
        if (reply.status !== 200) throw new Error(`work answered ${reply.status}: ${reply.text}`);
        const { job } = JSON.parse(reply.text) as WorkResponse;
        if (job === null) continue;
        this.#onAssignment({ job, agent: name, receivedAt });
        const lease = { [AgentHeader.lease]: job.leaseId };
        const path = `/agent/v1/jobs/${job.jobRunId}`;
        for (const [sub, json] of [
          ["state", { state: "building" }],
          ["state", { state: "completing" }],
          ["complete", { result: "passed" }],
        ] as const) {
          const report = await this.#call(`${path}/${sub}`, { token, json, headers: lease });
          if (report.status >= 300) throw new Error(`${sub} answered ${report.status}: ${report.text}`);
        }
      } catch (error) {
        this.#polling.delete(name);
        if (signal.aborted) return;
        this.errors++;
        this.lastError = error instanceof Error ? error.message : String(error);
        // The real agent backs off from 1 s too (packages/agent/src/backoff.ts).
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  #call(
    path: string,
    options: { json: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<Reply> {
    const body = Buffer.from(JSON.stringify(options.json));
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: this.#base.hostname,
          port: this.#base.port,
          method: "POST",
          path,
          agent: this.#pool,
          signal: this.#stop.signal,
          headers: {
            "content-type": "application/json",
            "content-length": body.length,
            ...(options.token !== undefined && { authorization: `Bearer ${options.token}` }),
            ...options.headers,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
          );
          response.on("error", reject);
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  }
}
