import { createHash, createHmac } from "node:crypto";
import { request } from "node:http";
import { ADMIN } from "./helpers.ts";
import { smithySigner, wireQuery } from "./sigv4-oracle.ts";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawRequest {
  method: string;
  /** Raw, already-encoded path. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: Buffer | string;
  signingDate?: Date;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Send this body instead of the one that was signed (for tampering). */
  wireBody?: Buffer;
  service?: string;
}

/** Signs with @smithy/signature-v4 (the oracle) and sends with node:http, so Host and the raw path are exact. */
export async function signedFetch(endpoint: string, r: RawRequest): Promise<RawResponse> {
  const url = new URL(endpoint);
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body);
  const headers: Record<string, string> = {
    host: url.host,
    "x-amz-content-sha256": createHash("sha256").update(body).digest("hex"),
    ...r.headers,
  };
  const signed = await smithySigner(r.credentials ?? ADMIN, r.service ?? "s3").sign(
    {
      method: r.method,
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: r.path,
      query: r.query ?? {},
      headers,
      body,
    },
    { signingDate: r.signingDate ?? new Date() },
  );
  const qs = wireQuery(r.query ?? {});
  return send(
    endpoint,
    r.method,
    qs === "" ? r.path : `${r.path}?${qs}`,
    signed.headers as Record<string, string>,
    r.wireBody ?? body,
  );
}

export function send(
  endpoint: string,
  method: string,
  target: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<RawResponse> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: target,
        headers: { ...headers, "content-length": String(body.length) },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (d: Buffer) => parts.push(d));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Builds a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body: each chunk signed over the previous signature. */
export function signedChunks(
  chunks: Buffer[],
  seed: string,
  amzDate: string,
  secret: string,
  region = "us-east-1",
): Buffer {
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${region}/s3/aws4_request`;
  const h = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
  const key = h(h(h(h("AWS4" + secret, date), region), "s3"), "aws4_request");
  const empty = createHash("sha256").update("").digest("hex");
  let previous = seed;
  const out: Buffer[] = [];
  for (const data of [...chunks, Buffer.alloc(0)]) {
    const sts = [
      "AWS4-HMAC-SHA256-PAYLOAD",
      amzDate,
      scope,
      previous,
      empty,
      createHash("sha256").update(data).digest("hex"),
    ].join("\n");
    previous = h(key, sts).toString("hex");
    out.push(
      Buffer.from(`${data.length.toString(16)};chunk-signature=${previous}\r\n`),
      data,
      Buffer.from("\r\n"),
    );
  }
  return Buffer.concat(out);
}

export function signedChunksLength(sizes: number[]): number {
  return [...sizes, 0].reduce(
    (n, size) => n + size.toString(16).length + ";chunk-signature=".length + 64 + 4 + size,
    0,
  );
}
