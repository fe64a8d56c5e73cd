/**
 * ListObjectsV2 pages fetched with a minimal SigV4 client (node:http keep-alive, no XML parsing beyond the
 * continuation token), so the figure measures the endpoint rather than the SDK's XML deserialiser.
 */
import { createHash, createHmac } from "node:crypto";
import { Agent, request } from "node:http";
import { BENCH_KEY } from "./key.ts";

const EMPTY_SHA256 = createHash("sha256").update("").digest("hex");
const encode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

function signedGet(url: URL, path: string, query: Record<string, string>): Record<string, string> {
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const canonicalQuery = Object.entries(query)
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join("&");
  const headers = { host: url.host, "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": amzDate };
  const signed = "host;x-amz-content-sha256;x-amz-date";
  const canonical = `GET\n${path}\n${canonicalQuery}\nhost:${url.host}\nx-amz-content-sha256:${EMPTY_SHA256}\nx-amz-date:${amzDate}\n\n${signed}\n${EMPTY_SHA256}`;
  const scope = `${day}/us-east-1/s3/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash("sha256").update(canonical).digest("hex")}`;
  const key = hmac(
    hmac(hmac(hmac(`AWS4${BENCH_KEY.secretAccessKey}`, day), "us-east-1"), "s3"),
    "aws4_request",
  );
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${BENCH_KEY.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${signature}`,
  };
}

/** Lists the whole bucket page by page; returns the number of keys seen. */
export async function rawListAll(endpoint: string, bucket: string): Promise<number> {
  const url = new URL(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let keys = 0;
  let token: string | undefined;
  try {
    do {
      const query: Record<string, string> = {
        "list-type": "2",
        ...(token ? { "continuation-token": token } : {}),
      };
      const path = `/${bucket}`;
      const body = await new Promise<string>((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: `${path}?${Object.entries(query)
              .map(([k, v]) => `${encode(k)}=${encode(v)}`)
              .join("&")}`,
            headers: signedGet(url, path, query),
            agent,
          },
          (res) => {
            const parts: Buffer[] = [];
            res.on("data", (d: Buffer) => parts.push(d));
            res.on("end", () =>
              res.statusCode === 200
                ? resolve(Buffer.concat(parts).toString("utf8"))
                : reject(
                    new Error(`list failed: ${res.statusCode} ${Buffer.concat(parts).toString("utf8")}`),
                  ),
            );
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end();
      });
      keys += Number(/<KeyCount>(\d+)<\/KeyCount>/.exec(body)?.[1] ?? 0);
      token = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(body)?.[1];
    } while (token);
  } finally {
    agent.destroy();
  }
  return keys;
}
