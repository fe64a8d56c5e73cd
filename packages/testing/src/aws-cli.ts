import { execFile } from "node:child_process";
import path from "node:path";

/** Credentials for awscli: an access key, or temporary credentials with their session token. */
export interface AwsCliKey {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Debian's awscli 2.9 (`FAWKES_TEST_AWS` overrides the path) against `endpoint` as `key`, JSON output, a scratch
 * HOME and no metadata probing; resolves with the exit code and output, never rejects.
 */
export function awsCli(endpoint: string, home: string, key: AwsCliKey) {
  const aws = process.env.FAWKES_TEST_AWS ?? "/usr/bin/aws";
  return (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        aws,
        ["--endpoint-url", endpoint, "--output", "json", ...args],
        {
          timeout: 60_000,
          cwd: home,
          env: {
            PATH: process.env.PATH,
            HOME: home,
            AWS_ACCESS_KEY_ID: key.accessKeyId,
            AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
            ...(key.sessionToken !== undefined && { AWS_SESSION_TOKEN: key.sessionToken }),
            AWS_DEFAULT_REGION: "us-east-1",
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_CONFIG_FILE: path.join(home, "config"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(home, "credentials"),
          },
        },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
          resolve({ code, stdout, stderr });
        },
      );
    });
}
