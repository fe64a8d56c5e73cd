import { createHash } from "node:crypto";
import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { AgentHeader, ErrorCode, RegisterRequest } from "@fawkes/protocol";
import type { ArtifactFile, JobAssignment, JobLocator, RoleCredentials } from "@fawkes/protocol";

/** What the double saw, for assertions. */
export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  json?: unknown;
}

interface JobRecord {
  job: JobAssignment;
  states: string[];
  console: Buffer[];
  consoleTimes: number[];
  artifacts: Map<string, { body: Buffer; sha256: string }>;
  result?: string;
  cancelled: boolean;
  cancelWaiters: (() => void)[];
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
};

const noContent = (res: ServerResponse): void => {
  res.writeHead(204);
  res.end();
};

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A test double of the Fawkes server's /agent/v1 protocol, following agent-wire.ts literally. Its state
 * survives stop()/start() so tests can simulate a server restart on the same port.
 */
export class FakeServer {
  readonly received: Received[] = [];
  readonly jobs = new Map<number, JobRecord>();
  readonly registrations: RegisterRequest[] = [];
  /** agentId → token of registered agents. */
  readonly agents = new Map<string, string>();
  /** agentId → name, for the real server's rule that a name is registered once. */
  readonly #names = new Map<string, string>();
  /** Leases the heartbeat reports as revoked. */
  readonly revoked = new Set<string>();
  /** Jobs whose lease is no longer current: every job call answers 409. */
  readonly fencedJobs = new Set<number>();
  /** Artifact files served to fetch tasks, by locator key and path; `sha256` may be tampered with. */
  readonly published = new Map<string, Map<string, { body: Buffer; sha256: string }>>();
  /**
   * Answers POST /agent/v1/jobs/:id/credentials (the job's role credentials, `null` without a role); a throw is
   * a 503. Unset: the route does not exist (404), as on a server without roles.
   */
  roleCredentials: ((jobRunId: number) => RoleCredentials | null) | undefined;
  /** How many artifact file downloads to cut after half their body (a server dying mid-transfer). */
  cutDownloads = 0;
  heartbeatIntervalMs = 200;
  cancelPollMs = 2_000;
  #queue: JobAssignment[] = [];
  #workWaiters: (() => void)[] = [];
  #server: http.Server | undefined;
  readonly #sockets = new Set<Socket>();
  #port = 0;
  #nextAgent = 1;

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async start(port = this.#port): Promise<void> {
    const server = http.createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { code: ErrorCode.internal, detail: String(error) });
        else res.destroy();
      });
    });
    server.on("connection", (socket) => {
      // A connection accepted while stopping would keep close() waiting for ever.
      if (this.#server !== server) socket.destroy();
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stops listening and drops every connection (a crashed server). */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const wake of this.#workWaiters.splice(0)) wake();
    for (const record of this.jobs.values()) for (const wake of record.cancelWaiters.splice(0)) wake();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  assign(job: JobAssignment): JobRecord {
    const record: JobRecord = {
      job,
      states: [],
      console: [],
      consoleTimes: [],
      artifacts: new Map(),
      cancelled: false,
      cancelWaiters: [],
    };
    this.jobs.set(job.jobRunId, record);
    this.#queue.push(job);
    for (const wake of this.#workWaiters.splice(0)) wake();
    return record;
  }

  cancel(jobRunId: number): void {
    const record = this.jobs.get(jobRunId)!;
    record.cancelled = true;
    for (const wake of record.cancelWaiters.splice(0)) wake();
  }

  consoleText(jobRunId: number): string {
    return Buffer.concat(this.jobs.get(jobRunId)!.console).toString("utf8");
  }

  consoleBytes(jobRunId: number): number {
    return this.jobs.get(jobRunId)!.console.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  publish(
    from: JobLocator,
    path: string,
    body: Buffer,
    sha256 = createHash("sha256").update(body).digest("hex"),
  ): void {
    const key = locatorKey(from);
    if (!this.published.has(key)) this.published.set(key, new Map());
    this.published.get(key)!.set(path, { body, sha256 });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname;
    const body = await readAll(req);
    const isJson = (req.headers["content-type"] ?? "").startsWith("application/json");
    this.received.push({
      method: req.method ?? "",
      path,
      headers: req.headers,
      ...(isJson ? { json: JSON.parse(body.toString()) } : {}),
    });

    if (req.method === "POST" && path === "/agent/v1/register") return this.#register(body, res);
    const agentId = this.#authenticate(req);
    if (agentId === undefined) return json(res, 401, { code: ErrorCode.unauthorized, detail: "bad token" });

    if (req.method === "POST" && path === "/agent/v1/work")
      return this.#work(JSON.parse(body.toString()) as { waitMs: number }, res);
    if (req.method === "POST" && path === "/agent/v1/heartbeat") {
      const { runningLeases } = JSON.parse(body.toString()) as { runningLeases: string[] };
      return json(res, 200, {
        state: "building",
        revokedLeases: runningLeases.filter((l) => this.#revoked(l)),
      });
    }
    const artifact =
      /^\/agent\/v1\/artifacts\/([^/]+)\/(\d+)\/([^/]+)\/(\d+)\/([^/]+)\/(manifest|files\/(.+))$/.exec(path);
    if (req.method === "GET" && artifact) {
      const [, pipeline, counter, stage, stageCounter, job, kind, file] = artifact;
      const key = [pipeline, counter, stage, stageCounter, job].map((p) => decodeURIComponent(p!)).join("/");
      const files = this.published.get(key) ?? new Map<string, { body: Buffer; sha256: string }>();
      if (kind === "manifest") {
        const prefix = url.searchParams.get("path") ?? "";
        const listed: ArtifactFile[] = [...files]
          .filter(([name]) => name === prefix || name.startsWith(`${prefix}/`))
          .map(([name, entry]) => ({ path: name, size: entry.body.length, sha256: entry.sha256 }));
        return json(res, 200, { files: listed });
      }
      const entry = files.get(file!.split("/").map(decodeURIComponent).join("/"));
      if (!entry) return json(res, 404, { code: ErrorCode.artifactNotFound, detail: "no such file" });
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": entry.body.length });
      if (this.cutDownloads > 0) {
        this.cutDownloads--;
        res.write(entry.body.subarray(0, entry.body.length >> 1), () => res.destroy());
        return;
      }
      return void res.end(entry.body);
    }
    const jobCall =
      /^\/agent\/v1\/jobs\/(\d+)\/(state|console|complete|wait-cancel|credentials|artifacts\/(.+))$/.exec(
        path,
      );
    if (!jobCall) return json(res, 404, { code: ErrorCode.notFound, detail: path });
    const record = this.jobs.get(Number(jobCall[1]));
    if (!record) return json(res, 404, { code: ErrorCode.jobNotFound, detail: "no such job" });
    // Like the real server, a completed job's lease is no longer current.
    const current = record.result === undefined && !this.fencedJobs.has(record.job.jobRunId);
    if (req.headers[AgentHeader.lease] !== record.job.leaseId || !current) {
      return json(res, 409, { code: ErrorCode.leaseLost, detail: "lease lost" });
    }
    const sub = jobCall[2]!;
    if (sub === "state") {
      record.states.push((JSON.parse(body.toString()) as { state: string }).state);
      return noContent(res);
    }
    if (sub === "console") {
      record.console.push(body);
      record.consoleTimes.push(Number(req.headers[AgentHeader.consoleTime]));
      return noContent(res);
    }
    if (sub === "complete") {
      record.result = (JSON.parse(body.toString()) as { result: string }).result;
      return noContent(res);
    }
    if (sub === "wait-cancel") return this.#waitCancel(record, res);
    if (sub === "credentials") {
      if (req.method !== "POST" || !this.roleCredentials)
        return json(res, 404, { code: ErrorCode.notFound, detail: path });
      let credentials: RoleCredentials | null;
      try {
        credentials = this.roleCredentials(record.job.jobRunId);
      } catch (error) {
        return json(res, 503, { code: ErrorCode.internal, detail: String(error) });
      }
      return json(res, 200, { credentials });
    }
    const sha256 = createHash("sha256").update(body).digest("hex");
    if (req.method !== "PUT" || req.headers[AgentHeader.sha256] !== sha256) {
      return json(res, 400, { code: ErrorCode.checksumMismatch, detail: "checksum mismatch" });
    }
    record.artifacts.set(jobCall[3]!.split("/").map(decodeURIComponent).join("/"), { body, sha256 });
    return json(res, 200, {});
  }

  #register(body: Buffer, res: ServerResponse): void {
    const request = RegisterRequest.parse(JSON.parse(body.toString()));
    this.registrations.push(request);
    let agentId: string | undefined = request.agentId;
    // Like the real server: an identity it does not recognise is refused (the agent then registers without it);
    // a fresh registration gets a name not yet taken; a known identity keeps its token.
    if (agentId !== undefined && this.agents.get(agentId) !== request.token) {
      return json(res, 401, { code: ErrorCode.agentIdentityUnknown, detail: "identity not known" });
    }
    if (agentId === undefined) {
      const taken = [...this.agents.keys()].some((id) => this.#names.get(id) === request.name);
      if (taken) return json(res, 409, { code: ErrorCode.agentNameTaken, detail: "name already registered" });
      agentId = `agent-${this.#nextAgent++}`;
      this.agents.set(agentId, `token-${agentId}-${Math.random().toString(36).slice(2)}`);
      this.#names.set(agentId, request.name);
    }
    json(res, 200, {
      agentId,
      token: this.agents.get(agentId),
      state: "idle",
      heartbeatIntervalMs: this.heartbeatIntervalMs,
      revokedLeases: request.runningLeases.filter((lease) => this.#revoked(lease)),
    });
  }

  /** Revoked by the test, or not the current lease of a running job (completed, fenced or unknown). */
  #revoked(lease: string): boolean {
    if (this.revoked.has(lease)) return true;
    const record = [...this.jobs.values()].find((candidate) => candidate.job.leaseId === lease);
    return record === undefined || record.result !== undefined || this.fencedJobs.has(record.job.jobRunId);
  }

  #authenticate(req: IncomingMessage): string | undefined {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    for (const [agentId, known] of this.agents) if (known === token) return agentId;
    return undefined;
  }

  async #work(request: { waitMs: number }, res: ServerResponse): Promise<void> {
    const deadline = Date.now() + Math.min(request.waitMs, 2_000);
    while (this.#queue.length === 0 && Date.now() < deadline && this.#server) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.#workWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (!this.#server) return void res.destroy();
    json(res, 200, { job: this.#queue.shift() ?? null });
  }

  async #waitCancel(record: JobRecord, res: ServerResponse): Promise<void> {
    if (!record.cancelled) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.cancelPollMs);
        record.cancelWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (!this.#server) return void res.destroy();
    json(res, 200, { cancel: record.cancelled });
  }
}

function locatorKey(from: JobLocator): string {
  return [from.pipeline, from.counter, from.stage, from.stageCounter, from.job].join("/");
}
