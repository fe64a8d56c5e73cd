/** Helpers of the cloud-endpoint tests: an SDK client for a key, and the CLI's saved credentials. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";

export interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The AWS SDK v3 as users configure it for Fawkes: the endpoint, path-style, us-east-1. */
export function s3(endpoint: string, key: Key): S3Client {
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: key,
    maxAttempts: 1,
  });
  return client;
}

/** The error name (S3 code) of a rejected SDK call; fails when the call succeeded. */
export async function s3ErrorOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    return (error as { name: string }).name;
  }
  throw new Error("expected the S3 call to fail");
}

/** The entry `fawkes server` saved for `serverUrl` in $XDG_CONFIG_HOME/fawkes/credentials.json. */
export async function savedCredentials(
  configHome: string,
  serverUrl: string,
): Promise<Record<string, unknown> | undefined> {
  const text = await readFile(path.join(configHome, "fawkes", "credentials.json"), "utf8");
  return (JSON.parse(text) as Record<string, Record<string, unknown>>)[serverUrl];
}
