import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ADMIN } from "./helpers.ts";

/** Debian's awscli 2.9 (what users of the workshop run; .ci/run installs it), else whatever `aws` is on PATH. */
const AWS = process.env.FAWKES_TEST_AWS ?? (existsSync("/usr/bin/aws") ? "/usr/bin/aws" : "aws");

/** Runs Debian's `aws` against the endpoint with static credentials and a scratch HOME. */
export function awsCli(endpoint: string, home: string) {
  return (...args: string[]) =>
    new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(
        AWS,
        ["--endpoint-url", endpoint, ...args],
        {
          timeout: 60_000,
          env: {
            PATH: process.env.PATH,
            HOME: home,
            AWS_ACCESS_KEY_ID: ADMIN.accessKeyId,
            AWS_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
            AWS_DEFAULT_REGION: "us-east-1",
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_CONFIG_FILE: join(home, "config"),
            AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
          },
        },
        (error, stdout, stderr) => {
          if (error) reject(Object.assign(error, { stdout, stderr }));
          else resolve({ stdout, stderr });
        },
      );
    });
}
