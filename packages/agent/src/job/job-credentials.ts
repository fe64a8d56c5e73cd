import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GitCheckout } from "@fawkes/protocol";

const helperScript = fileURLToPath(new URL("./git-credential-helper.mjs", import.meta.url));
/** Longest path a Unix socket address takes on Linux (sun_path is 108 bytes, NUL included). */
const MAX_SOCKET_PATH = 107;

interface Entry {
  protocol: string;
  host: string;
  path: string;
  username: string;
  password: string;
}

/** `repo.git`, `/repo.git/`, `repo` all name one repository in git's credential requests. */
function normalizePath(path: string): string {
  return path.replace(/^\/+|\/+$/g, "").replace(/\.git$/, "");
}

function singleQuoted(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/**
 * The credentials of one job's materials, served to git in the job's workspaces for the job's lifetime:
 * a Unix socket with a random name, in a 0700 directory under the agent's work dir, answers git's credential
 * requests (`protocol`, `host`, `path`) with the matching material's user name and password. They live only
 * in the agent's memory; {@link close} (at job end) removes the socket, and the helper then answers nothing.
 */
export class JobCredentials {
  readonly #server: Server;
  readonly #entries: Entry[];
  readonly #socketPath: string;
  readonly #socketDir: string;
  readonly #ownsDir: boolean;

  private constructor(
    server: Server,
    entries: Entry[],
    socketPath: string,
    socketDir: string,
    ownsDir: boolean,
  ) {
    this.#server = server;
    this.#entries = entries;
    this.#socketPath = socketPath;
    this.#socketDir = socketDir;
    this.#ownsDir = ownsDir;
  }

  /** Starts serving the credentials of `materials`; undefined when none of them has any. */
  static async open(workDir: string, materials: readonly GitCheckout[]): Promise<JobCredentials | undefined> {
    const entries: Entry[] = [];
    for (const material of materials) {
      if (!material.credentials) continue;
      let parsed: URL;
      try {
        parsed = new URL(material.url);
      } catch {
        continue;
      }
      entries.push({
        protocol: parsed.protocol.replace(/:$/, ""),
        host: parsed.host,
        path: normalizePath(decodeURIComponent(parsed.pathname)),
        ...material.credentials,
      });
    }
    if (entries.length === 0) return undefined;
    const name = `${randomBytes(12).toString("hex")}.sock`;
    let socketDir = join(workDir, "credentials");
    let ownsDir = false;
    if (join(socketDir, name).length > MAX_SOCKET_PATH) {
      // A deep work dir: a private temp dir instead (mkdtemp makes it 0700).
      socketDir = await mkdtemp(join(tmpdir(), "fawkes-credentials-"));
      ownsDir = true;
    } else {
      await mkdir(socketDir, { recursive: true, mode: 0o700 });
      await chmod(socketDir, 0o700);
    }
    const socketPath = join(socketDir, name);
    const server = createServer();
    const credentials = new JobCredentials(server, entries, socketPath, socketDir, ownsDir);
    server.on("connection", (socket) => credentials.#answer(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => {
        server.off("error", reject);
        resolve();
      });
    });
    await chmod(socketPath, 0o600);
    return credentials;
  }

  /** The `credential.helper` value that asks this job's socket (the socket path is not a secret). */
  get helper(): string {
    return `!NODE_OPTIONS= ${singleQuoted(process.execPath)} ${singleQuoted(helperScript)} ${singleQuoted(this.#socketPath)}`;
  }

  /** Values to mask in the console: every password, and a user name that is used alone (a token). */
  static secretsOf(materials: readonly GitCheckout[]): string[] {
    return materials.flatMap((material) => {
      const credentials = material.credentials;
      if (!credentials) return [];
      return credentials.password === "" ? [credentials.username] : [credentials.password];
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await rm(this.#ownsDir ? this.#socketDir : this.#socketPath, { recursive: true, force: true });
  }

  #answer(socket: Socket): void {
    const chunks: Buffer[] = [];
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      // git's requests are a few short lines; anything larger is not one.
      if (chunks.reduce((size, part) => size + part.length, 0) > 64 * 1024) socket.destroy();
    });
    socket.on("end", () => {
      const request = new Map<string, string>();
      for (const line of Buffer.concat(chunks).toString("utf8").split("\n")) {
        const equals = line.indexOf("=");
        if (equals > 0) request.set(line.slice(0, equals), line.slice(equals + 1));
      }
      const entry = this.#match(request);
      // A value with a line break would end git's attribute and start another: such a credential is refused.
      const safe = entry && !/[\0\n]/.test(entry.username + entry.password);
      socket.end(safe ? `username=${entry.username}\npassword=${entry.password}\n` : "");
    });
  }

  /** The material the request is for: same protocol and host, and the same path when git sends one. */
  #match(request: Map<string, string>): Entry | undefined {
    const onHost = this.#entries.filter(
      (entry) => entry.protocol === request.get("protocol") && entry.host === request.get("host"),
    );
    const path = request.get("path");
    if (path !== undefined) return onHost.find((entry) => entry.path === normalizePath(path));
    return onHost.length === 1 ? onHost[0] : undefined;
  }
}
