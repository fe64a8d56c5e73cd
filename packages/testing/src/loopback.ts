import { randomInt } from "node:crypto";
import net from "node:net";

/**
 * Addresses of a /24 of its own per test process (test files run in parallel processes): `prefix` is the first
 * two octets (`127.100` for instances, `127.101` for stable addresses); each call gives the next one.
 */
export function addressBlock(prefix: string): () => string {
  const third = randomInt(1, 255);
  let last = 0;
  return () => {
    if (++last > 254) throw new Error(`test block ${prefix}.${third}.0/24 exhausted`);
    return `${prefix}.${third}.${last}`;
  };
}

/**
 * One `GET /` on a fresh connection, reporting how it went: `refused`, `closed` (ended or reset with no answer)
 * or the answer's body, trimmed.
 */
export function probeHttp(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const chunks: Buffer[] = [];
    socket.on("connect", () => socket.write("GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED") resolve("refused");
    });
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      resolve(text === "" ? "closed" : text.slice(text.indexOf("\r\n\r\n") + 4).trim());
    });
  });
}
