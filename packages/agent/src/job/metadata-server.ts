import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createMetadataHandler, type MetadataSource } from "@fawkes/protocol/imds";
import type { JobAssignment, RoleCredentials } from "@fawkes/protocol";

/** The local account (the server's LOCAL_ACCOUNT). */
const ACCOUNT_ID = "000000000000";
/** Largest request accepted: IMDS requests have no body to speak of. */
const MAX_BODY_BYTES = 4096;

export interface RunningMetadataServer {
  /** `http://127.0.0.1:PORT/`: the value of the job's AWS_EC2_METADATA_SERVICE_ENDPOINT. */
  readonly url: string;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/**
 * What a job's metadata endpoint says about it: a stable instance id per job run (`i-` and the job run id in 17
 * hex digits), the loopback address, `us-east-1a`, an image id per agent, and the job's role credentials.
 */
export function jobMetadataSource(
  job: JobAssignment,
  agentName: string,
  startedAt: number,
  credentials: () => Promise<RoleCredentials | null>,
): MetadataSource {
  return {
    instanceId: `i-${job.jobRunId.toString(16).padStart(17, "0")}`,
    localIpv4: "127.0.0.1",
    publicIpv4: "127.0.0.1",
    availabilityZone: "us-east-1a",
    region: "us-east-1",
    accountId: ACCOUNT_ID,
    instanceType: "fawkes.job",
    imageId: `ami-${createHash("sha256").update(agentName).digest("hex").slice(0, 17)}`,
    architecture: process.arch === "arm64" ? "arm64" : "x86_64",
    pendingTime: startedAt,
    userData: null,
    credentials,
  };
}

/**
 * Serves `source` as an IMDSv2 endpoint on `127.0.0.1`, on a port of its own (port 0): one per running job, on the
 * agent's host, as EC2's is local to its instance. Told apart by address and port only (the AWS SDK drops any
 * path of AWS_EC2_METADATA_SERVICE_ENDPOINT). Only requests naming it by its loopback address are answered.
 */
export async function startMetadataServer(
  source: MetadataSource,
  now: () => number = Date.now,
): Promise<RunningMetadataServer> {
  const server = http.createServer();
  // Clients wait 1 s for an answer; nothing slow is ever legitimate here.
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  // Nobody knows the port before this line, so no request arrives before the handler.
  const handler = createMetadataHandler(source, { allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`] });
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
    });
    req.on("error", () => res.destroy());
    req.on("end", () => {
      handler
        .handle({ method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers }, now())
        .then((answer) => {
          const body = Buffer.from(answer.body);
          res.writeHead(answer.status, {
            ...answer.headers,
            server: "EC2ws",
            "content-length": String(body.length),
          });
          res.end(body);
        })
        .catch(() => res.destroy());
    });
  });
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
