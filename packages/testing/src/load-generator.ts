/**
 * A bounded loopback HTTP load generator: `clients` loops, each sending one request per connection (no
 * keep-alive) to `url` back to back, until stopped, `maxRequests` sent or the deadline passed. Every answer and
 * every failure is recorded with when it started, so a test can say which requests began after an event.
 */
import http from "node:http";

export interface LoadSample {
  /** `performance.now()` when the request was sent. */
  readonly startedAt: number;
  /** The response body (trimmed), when it came with status 200. */
  readonly body?: string;
  /** What went wrong otherwise. */
  readonly error?: string;
}

export interface LoadGenerator {
  readonly samples: readonly LoadSample[];
  failures(): LoadSample[];
  /** Stops sending and resolves once every client's last request has ended. */
  stop(): Promise<void>;
}

export interface LoadOptions {
  /** @default 4 */
  clients?: number;
  /** @default 20000 */
  maxRequests?: number;
  /** @default 30000 */
  deadlineMs?: number;
}

/**
 * One GET on a connection of its own (no keep-alive: a kept connection stays with the instance it was opened to
 * when an address moves, so only a fresh one shows where the address points now).
 */
export function requestOnce(url: URL | string): Promise<LoadSample> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: 5000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", (error) => resolve({ startedAt, error: error.message }));
      response.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8").trim();
        resolve(
          response.statusCode === 200
            ? { startedAt, body }
            : { startedAt, error: `HTTP ${response.statusCode}: ${body}` },
        );
      });
    });
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", (error) => resolve({ startedAt, error: error.message }));
  });
}

export function startLoad(url: string, options: LoadOptions = {}): LoadGenerator {
  const target = new URL(url);
  const samples: LoadSample[] = [];
  const maxRequests = options.maxRequests ?? 20_000;
  const deadline = performance.now() + (options.deadlineMs ?? 30_000);
  let stopped = false;
  let sent = 0;
  const loop = async (): Promise<void> => {
    while (!stopped && sent < maxRequests && performance.now() < deadline) {
      sent++;
      samples.push(await requestOnce(target));
    }
  };
  const clients = Array.from({ length: options.clients ?? 4 }, loop);
  return {
    samples,
    failures: () => samples.filter((sample) => sample.error !== undefined),
    async stop() {
      stopped = true;
      await Promise.all(clients);
    },
  };
}
