/** Test support for `fawkes s3`: a real cloud endpoint on a free port and the s3 commands run in-process. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { S3Client } from "@aws-sdk/client-s3";
import { memoryCredentialStore, startCloudEndpoint, type AccessKey } from "@fawkes/cloud";
import { registerS3Command } from "../src/commands/s3/index.ts";
import { runCli } from "../src/program.ts";
import { mainScript, tempDir, type CliRun } from "./helpers.ts";

export const ADMIN: AccessKey = {
  accessKeyId: "AKIAFAWKESCLITEST001",
  secretAccessKey: "cli/test+secret/0123456789abcdefghijklm",
  principalArn: "arn:aws:iam::000000000000:user/admin",
  policies: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }],
};

export interface S3Fixture {
  /** The cloud endpoint's URL. */
  url: string;
  /** Environment giving the CLI the endpoint and the admin key (and a private XDG_CONFIG_HOME). */
  env: Record<string, string>;
  /** An SDK client to check what the CLI did. */
  client: S3Client;
  /** `fawkes s3 …argv` in-process with `env` (merged over the fixture's unless `replaceEnv`). */
  s3(
    argv: string[],
    options?: { env?: Record<string, string>; replaceEnv?: boolean; isTty?: boolean },
  ): Promise<CliRun>;
}

export async function startS3Fixture(t: TestContext): Promise<S3Fixture> {
  const dataDir = await mkdtemp(join(tmpdir(), "fawkes-cli-s3-"));
  const endpoint = await startCloudEndpoint(
    { dataDir, host: "127.0.0.1", port: 0 },
    memoryCredentialStore([ADMIN]),
  );
  const client = new S3Client({
    endpoint: endpoint.url,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: ADMIN.accessKeyId, secretAccessKey: ADMIN.secretAccessKey },
  });
  t.after(async () => {
    client.destroy();
    await endpoint.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const configHome = tempDir(t, "fawkes-cli-s3-xdg-");
  const env = {
    AWS_ENDPOINT_URL: endpoint.url,
    AWS_ACCESS_KEY_ID: ADMIN.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ADMIN.secretAccessKey,
    XDG_CONFIG_HOME: configHome,
    HOME: configHome,
  };
  return {
    url: endpoint.url,
    env,
    client,
    s3: async (argv, options = {}) => {
      let stdout = "";
      let stderr = "";
      const io = {
        out: (text: string) => void (stdout += text),
        err: (text: string) => void (stderr += text),
        env: options.replaceEnv ? (options.env ?? {}) : { ...env, ...options.env },
        isTty: options.isTty ?? false,
      };
      const code = await runCli(["s3", ...argv], { io, mainScript }, [registerS3Command]);
      return { code, stdout, stderr };
    },
  };
}
