import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { S3Client } from "@aws-sdk/client-s3";
import { waitFor as sharedWaitFor } from "@fawkes/testing";
import {
  memoryCredentialStore,
  startCloudEndpoint,
  type AccessKey,
  type CloudEndpoint,
  type CloudOptions,
} from "@fawkes/cloud";

export const ADMIN: AccessKey = {
  accessKeyId: "AKIAFAWKESTESTADMIN1",
  secretAccessKey: "fawkes/test+secret/0123456789abcdefghijk",
  principalArn: "arn:aws:iam::000000000000:user/admin",
  policies: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }],
};

export interface TestEndpoint {
  url: string;
  endpoint: CloudEndpoint;
  dataDir: string;
  client(overrides?: Partial<ConstructorParameters<typeof S3Client>[0]>): S3Client;
}

/** Starts an endpoint on a free port with a temp data dir; both are cleaned up after the test. */
export async function startTestEndpoint(
  t: TestContext,
  options: Partial<CloudOptions> = {},
  keys: AccessKey[] = [ADMIN],
): Promise<TestEndpoint> {
  const dataDir = await mkdtemp(join(tmpdir(), "fawkes-cloud-"));
  const endpoint = await startCloudEndpoint(
    { dataDir, host: "127.0.0.1", port: 0, ...options },
    memoryCredentialStore(keys),
  );
  const clients: S3Client[] = [];
  t.after(async () => {
    for (const c of clients) c.destroy();
    await endpoint.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return {
    url: endpoint.url,
    endpoint,
    dataDir,
    client: (overrides = {}) => {
      const c = new S3Client({
        endpoint: endpoint.url,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: { accessKeyId: ADMIN.accessKeyId, secretAccessKey: ADMIN.secretAccessKey },
        ...overrides,
      });
      clients.push(c);
      return c;
    },
  };
}

/** Polls `check` until it returns true or the deadline passes (no fixed sleeps): the shared waitFor. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  await sharedWaitFor(check, { timeoutMs, intervalMs: 20 });
}
