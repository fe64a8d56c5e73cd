import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The variable that tells a job's tasks where their job socket is (`fawkes id-token` reads it). */
export const JOB_SOCKET_VARIABLE = "FAWKES_JOB_SOCKET";
/** Longest path a Unix socket address takes on Linux (sun_path is 108 bytes, NUL included). */
const MAX_SOCKET_PATH = 107;
const MAX_REQUEST_BYTES = 4096;

/**
 * What a task may ask its agent for, one JSON request per connection (the client half-closes after writing):
 * `{"op": "id-token", "audience": "sts.amazonaws.com"}` → `{"token": "…", "expiresAt": 1765…}`, or
 * `{"error": "…"}`. The agent asks the server with the job's lease; the task needs neither the server's URL
 * nor any token of its own.
 */
export interface JobSocketHandlers {
  /** Resolves once the token is added to the job's console masker. */
  idToken(audience: string): Promise<{ token: string; expiresAt: number }>;
}

/**
 * The per-job Unix socket (0600, in a 0700 directory under the agent's work dir), served for the job's
 * lifetime and removed at its end: after that, `fawkes id-token` finds no socket and fails.
 */
export class JobSocket {
  readonly path: string;
  readonly #server: Server;
  readonly #dir: string;
  readonly #ownsDir: boolean;

  private constructor(server: Server, path: string, dir: string, ownsDir: boolean) {
    this.#server = server;
    this.path = path;
    this.#dir = dir;
    this.#ownsDir = ownsDir;
  }

  static async open(workDir: string, handlers: JobSocketHandlers): Promise<JobSocket> {
    const name = `${randomBytes(12).toString("hex")}.sock`;
    let dir = join(workDir, "job-sockets");
    let ownsDir = false;
    if (join(dir, name).length > MAX_SOCKET_PATH) {
      dir = await mkdtemp(join(tmpdir(), "fawkes-job-"));
      ownsDir = true;
    } else {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
    }
    const path = join(dir, name);
    // Half-open: the client ends its side after the request; the answer comes later (a server round trip).
    const server = createServer({ allowHalfOpen: true }, (socket) => answer(socket, handlers));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => {
        server.off("error", reject);
        resolve();
      });
    });
    await chmod(path, 0o600);
    return new JobSocket(server, path, dir, ownsDir);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await rm(this.#ownsDir ? this.#dir : this.path, { recursive: true, force: true });
  }
}

function answer(socket: Socket, handlers: JobSocketHandlers): void {
  const chunks: Buffer[] = [];
  let size = 0;
  socket.on("error", () => socket.destroy());
  socket.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) socket.destroy();
  });
  socket.on("end", () => {
    void respond(Buffer.concat(chunks).toString("utf8"), handlers).then(
      (reply) => socket.end(JSON.stringify(reply) + "\n"),
      () => socket.destroy(),
    );
  });
}

async function respond(text: string, handlers: JobSocketHandlers): Promise<Record<string, unknown>> {
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch {
    return { error: "the request is not JSON" };
  }
  const { op, audience } = (request ?? {}) as { op?: unknown; audience?: unknown };
  if (op !== "id-token") return { error: `unknown request ${JSON.stringify(op)} (expected "id-token")` };
  if (typeof audience !== "string" || audience.length === 0 || audience.length > 255)
    return { error: "the audience must be 1-255 characters" };
  try {
    return await handlers.idToken(audience);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
