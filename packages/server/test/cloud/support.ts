/** Helpers of the cloud-endpoint tests: an SDK client for a key, and the CLI's saved credentials. */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { ApiRoutes, type CreatedAccessKeyDto } from "@fawkes/protocol";

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

/** A new access key of the server whose policy is `statements` (POST /api/v1/credentials). */
export const newAccessKey = (
  server: { api: { post<T>(path: string, body?: unknown): Promise<T> } },
  name: string,
  statements: object[],
): Promise<Key> =>
  server.api.post<CreatedAccessKeyDto>(ApiRoutes.credentials, {
    name,
    policy: { Version: "2012-10-17", Statement: statements },
  });

export interface CliKey extends Key {
  sessionToken?: string;
}

/** Runs Debian's awscli 2.9 against `endpoint` as `key`; resolves with the exit code and output, never rejects. */
export function awsAs(endpoint: string, home: string, key: CliKey) {
  return (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        existsSync("/usr/bin/aws") ? "/usr/bin/aws" : "aws",
        ["--endpoint-url", endpoint, ...args],
        {
          timeout: 60_000,
          env: {
            PATH: process.env.PATH,
            HOME: home,
            AWS_ACCESS_KEY_ID: key.accessKeyId,
            AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
            ...(key.sessionToken ? { AWS_SESSION_TOKEN: key.sessionToken } : {}),
            AWS_DEFAULT_REGION: "us-east-1",
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_CONFIG_FILE: path.join(home, "config"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(home, "credentials"),
          },
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
      );
    });
}

/** The Credentials of an STS answer printed by awscli as JSON, as a key for `awsAs`. */
export function stsCredentials(stdout: string): CliKey & { expiration: string } {
  const c = (JSON.parse(stdout) as { Credentials: Record<string, string> }).Credentials;
  return {
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
    expiration: c.Expiration!,
  };
}

/** Debian's awscli 2.9 against `endpoint` with `key`, a scratch HOME and no metadata probing. */
export { awsCli } from "@fawkes/testing";
