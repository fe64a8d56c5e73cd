/** Test helpers: run the CLI in-process with captured output, a fake API server, temp dirs. */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { runCli } from "@fawkes/cli";
import { waitFor as sharedWaitFor } from "@fawkes/testing";

export const mainScript = resolve(import.meta.dirname, "../src/main.ts");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(
  argv: string[],
  env: Record<string, string | undefined> = {},
  isTty = false,
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io = {
    out: (text: string) => void (stdout += text),
    err: (text: string) => void (stderr += text),
    env,
    isTty,
  };
  const code = await runCli(argv, { io, mainScript });
  return { code, stdout, stderr };
}

export function tempDir(t: TestContext, prefix = "fawkes-cli-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type Handler = (request: RecordedRequest, response: ServerResponse) => void;

/** A real HTTP server answering with `handler`; records every request. */
export async function fakeServer(
  t: TestContext,
  handler: Handler,
): Promise<{ url: string; requests: RecordedRequest[] }> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const recorded = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      requests.push(recorded);
      handler(recorded, res);
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  t.after(
    () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  contentType = "application/json",
): void {
  response.writeHead(status, { "content-type": contentType });
  response.end(JSON.stringify(value));
}

/** Waits for a condition with a deadline (no fixed sleeps): the shared waitFor. */
export async function waitFor<T>(
  probe: () => T | undefined | false,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  return sharedWaitFor(probe, { timeoutMs, message: what, intervalMs: 10 });
}

/** A port nothing listens on (bound, then released): connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}
