import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AwsError } from "./aws-error.ts";
import type { CredentialStore } from "./credentials.ts";
import type { Authorize } from "./s3/context.ts";
import { handleS3 } from "./s3/handle.ts";
import { serviceErrorResponse } from "./service-errors.ts";
import { readClaim, type SignedRequest } from "./sigv4/authenticate.ts";
import { headerValues, MalformedUriError, splitTarget } from "./sigv4/canonical.ts";
import { createStorage, type StorageOptions } from "./storage/create-storage.ts";
import type { ObjectStorage } from "./storage/object-storage.ts";
import { asAwsError, s3ErrorDocument } from "./s3/errors.ts";
import { applyLifecycle, startLifecycleSweeper, type LifecycleReport } from "./lifecycle/apply.ts";
import { BucketPolicies } from "./s3/policy/bucket-policy.ts";
import { handleQuery, isUnsignedQuery } from "./query/handle.ts";
import type { QueryService } from "./query/service.ts";
import {
  readSignalBody,
  WAIT_CONDITION_PATH,
  type WaitConditionReceiver,
} from "./cloudformation/wait-condition.ts";

// Not an ESM import of node:http: that reads every export, and the lazy ones load undici, http2 and
// worker_threads (~13 MB of RSS) that the endpoint never uses.
const { createServer } = process.getBuiltinModule("node:http");

/** Logger shape the endpoint needs (pino is compatible). */
export interface CloudLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface CloudOptions {
  /** Data directory; buckets live under `<dataDir>/buckets/`. */
  dataDir: string;
  /** Address to bind, e.g. `127.0.0.1` (an IP, so SDKs use path-style addressing). */
  host: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** The region clients must sign for. @default "us-east-1" */
  region?: string;
  log?: CloudLogger;
  /**
   * Decides whether a verified principal may perform an S3 operation.
   * @default IAM evaluation of the access key's policies (packages/cloud/src/iam)
   */
  authorize?: Authorize;
  /** Clock, for tests of skew and expiry. @default Date.now */
  now?: () => number;
  /**
   * Where objects live: on local disk under `<dataDir>/buckets/`, or in any S3-compatible service.
   * @default { kind: "local" }
   */
  storage?: StorageOptions;
  /**
   * How often bucket lifecycle rules are applied in the background (docs/cloud-lifecycle.md); 0 disables the
   * sweeper (`CloudEndpoint.applyLifecycle` still works). @default 3_600_000 (1 hour)
   */
  lifecycleIntervalMs?: number;
  /** Query-protocol services (IAM, STS, …), routed by the service name in the credential scope. */
  services?: readonly QueryService[];
  /** Takes `PUT`s of wait condition handles' URLs (under `/_fawkes/wait-condition/`, unsigned). */
  waitConditions?: WaitConditionReceiver;
}

export interface CloudEndpoint {
  url: string;
  /** Applies every bucket's lifecycle rules once, as of `now` (epoch ms, default the endpoint's clock). */
  applyLifecycle(now?: number): Promise<LifecycleReport>;
  /**
   * The buckets, for the server's own providers (a stack's `AWS::S3::Bucket`): the caller authorises first.
   * Errors are the S3 API's (`BucketAlreadyOwnedByYou`, `BucketNotEmpty`, `NoSuchBucket`).
   */
  readonly buckets: Pick<ObjectStorage, "createBucket" | "deleteBucket" | "headBucket">;
  close(): Promise<void>;
}

export interface RequestIds {
  requestId: string;
  hostId: string;
}

/**
 * Starts the cloud endpoint: one port for every AWS-style service, routed by the service name in the SigV4
 * credential scope (as LocalStack does): `s3`, and the Query-protocol `services` given; any other service
 * answers NotImplemented in its own error format.
 */
export async function startCloudEndpoint(
  options: CloudOptions,
  credentials: CredentialStore,
): Promise<CloudEndpoint> {
  const storage = await createStorage(options.dataDir, options.storage ?? { kind: "local" });
  await storage.init();
  const { iamAuthorize } = await import("./s3/iam-authorize.ts");
  const config = {
    region: options.region ?? "us-east-1",
    host: options.host,
    authorize: options.authorize ?? iamAuthorize,
    now: options.now ?? Date.now,
    log: options.log,
    bucketPolicies: new BucketPolicies(storage),
  };
  const services = new Map((options.services ?? []).map((service) => [service.name, service]));
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    void handle(req, res, false);
  });
  // Answer `Expect: 100-continue` only once the request is authenticated, so a rejected upload is never sent.
  server.on("checkContinue", (req, res) => {
    void handle(req, res, true);
  });

  async function handle(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): Promise<void> {
    const ids: RequestIds = {
      requestId: randomBytes(8).toString("hex").toUpperCase(),
      hostId: randomBytes(32).toString("base64"),
    };
    res.setHeader("x-amz-request-id", ids.requestId);
    res.setHeader("x-amz-id-2", ids.hostId);
    res.setHeader("server", "Fawkes");
    let service = "s3";
    try {
      const { rawPath, query } = splitTarget(req.url ?? "/");
      const request: SignedRequest = {
        method: req.method ?? "GET",
        rawPath,
        query,
        headers: headerValues(req.rawHeaders),
      };
      if (options.waitConditions && rawPath.startsWith(WAIT_CONDITION_PATH)) {
        const body = await readSignalBody(req);
        await options.waitConditions.receive({ rawPath, query, body });
        res.writeHead(200, { "content-length": 0 });
        res.end();
        return;
      }
      const claim = readClaim(request);
      // An unsigned Query request names no service; errors still take the Query protocol's format.
      service = claim?.service ?? (isUnsignedQuery(request) ? "query" : "s3");
      if (service === "s3")
        await handleS3(req, res, request, claim, { storage, credentials, expectContinue, ...config });
      else await handleQuery(req, res, request, claim, { ...config, services, credentials }, ids.requestId);
    } catch (error) {
      const awsError =
        error instanceof MalformedUriError
          ? new AwsError("InvalidURI", 400, "Couldn't parse the specified URI.")
          : asAwsError(error);
      if (awsError.status >= 500 && awsError.code === "InternalError")
        config.log?.error({ err: error, requestId: ids.requestId }, "cloud request failed");
      sendError(req, res, service, awsError, ids, expectContinue);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  config.log?.info({ url }, "cloud endpoint listening");
  const lifecycle = (now: number) => applyLifecycle(storage, now, config.log);
  const intervalMs = options.lifecycleIntervalMs ?? 3_600_000;
  const sweeper =
    intervalMs > 0 ? startLifecycleSweeper(() => lifecycle(config.now()), intervalMs) : undefined;
  return {
    url,
    applyLifecycle: (now) => lifecycle(now ?? config.now()),
    buckets: {
      createBucket: (name) => storage.createBucket(name),
      deleteBucket: (name) => storage.deleteBucket(name),
      headBucket: (name) => storage.headBucket(name),
    },
    close: async () => {
      await sweeper?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await storage.close();
    },
  };
}

const BODY_DRAIN_LIMIT = 64 * 1024 * 1024;

/**
 * Writes the error in the service's format. A body the handler did not read is drained when small (so the
 * connection stays usable) and otherwise the connection is closed after the response.
 */
function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  service: string,
  error: AwsError,
  ids: RequestIds,
  expectContinue: boolean,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string | number> = {};
  if (!req.complete) {
    const length = Number(req.headers["content-length"] ?? Infinity);
    if (expectContinue || !(length <= BODY_DRAIN_LIMIT)) headers.connection = "close";
    else {
      req.removeAllListeners("readable");
      req.on("data", () => undefined);
      req.resume();
    }
  }
  let body: string;
  let contentType: string;
  if (service === "s3") {
    body = s3ErrorDocument(error, ids.requestId, ids.hostId);
    contentType = "application/xml";
  } else {
    const rendered = serviceErrorResponse(service, req.headers["content-type"], error, ids.requestId);
    Object.assign(headers, rendered.headers);
    body = rendered.body;
    contentType = rendered.contentType;
  }
  // HEAD responses carry no body; clients read the status code (S3 sends 404 with nothing for a missing key).
  const payload = req.method === "HEAD" ? Buffer.alloc(0) : Buffer.from(body, "utf8");
  res.writeHead(error.status, {
    ...headers,
    "content-type": contentType,
    "content-length": payload.length,
  });
  res.end(payload);
}
