/**
 * Which S3 endpoint and credentials `fawkes s3` uses, first found wins, each part on its own:
 * - endpoint: --endpoint-url, $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, the cloud URL saved for --server;
 * - credentials: --access-key-id/--secret-access-key, $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY
 *   (+ $AWS_SESSION_TOKEN), the access key saved for --server (by `fawkes up`/`fawkes server`);
 * - region: --region, $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1.
 * Path-style addressing always: the cloud endpoint is served on an IP address.
 */
import { S3Client } from "@aws-sdk/client-s3";
import type { Command } from "commander";
import { ErrorCode } from "@fawkes/protocol/constants";
import { nonEmpty, serverUrlOf } from "../../context.ts";
import { loadServerToken, type ServerCredentials } from "../../credentials.ts";
import { CliError } from "../../errors.ts";
import type { CliIo } from "../../io.ts";

export interface S3ConnectionFlags {
  endpointUrl?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
}

export interface S3Connection {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function resolveS3Connection(command: Command, io: CliIo): S3Connection {
  const flags = command.optsWithGlobals<S3ConnectionFlags>();
  const env = io.env;
  let saved: ServerCredentials | undefined;
  const savedEntry = (): ServerCredentials | undefined =>
    (saved ??= loadServerToken(serverUrlOf(command, io), env));

  const endpoint =
    nonEmpty(flags.endpointUrl) ??
    nonEmpty(env.AWS_ENDPOINT_URL_S3) ??
    nonEmpty(env.AWS_ENDPOINT_URL) ??
    nonEmpty(savedEntry()?.cloudUrl);
  if (endpoint === undefined)
    throw new CliError("no S3 endpoint configured", {
      code: ErrorCode.badRequest,
      hint:
        "pass --endpoint-url URL (e.g. http://127.0.0.1:8154), set AWS_ENDPOINT_URL, " +
        "or run `fawkes up`/`fawkes server` on this machine so its cloud endpoint is remembered for --server",
    });
  try {
    new URL(endpoint);
  } catch (cause) {
    throw new CliError(`S3 endpoint ${JSON.stringify(endpoint)} is not a URL`, {
      code: ErrorCode.badRequest,
      cause,
    });
  }

  const region =
    nonEmpty(flags.region) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? "us-east-1";
  return { endpoint, region, credentials: resolveCredentials(flags, env, savedEntry) };
}

function resolveCredentials(
  flags: S3ConnectionFlags,
  env: CliIo["env"],
  savedEntry: () => ServerCredentials | undefined,
): S3Connection["credentials"] {
  if (flags.accessKeyId !== undefined || flags.secretAccessKey !== undefined) {
    if (nonEmpty(flags.accessKeyId) === undefined || nonEmpty(flags.secretAccessKey) === undefined)
      throw missingCredentials("--access-key-id and --secret-access-key must be given together");
    return { accessKeyId: flags.accessKeyId as string, secretAccessKey: flags.secretAccessKey as string };
  }
  const envId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const envSecret = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (envId !== undefined || envSecret !== undefined) {
    if (envId === undefined || envSecret === undefined)
      throw missingCredentials("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
    const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
    return sessionToken === undefined
      ? { accessKeyId: envId, secretAccessKey: envSecret }
      : { accessKeyId: envId, secretAccessKey: envSecret, sessionToken };
  }
  const saved = savedEntry();
  const savedId = nonEmpty(saved?.accessKeyId);
  const savedSecret = nonEmpty(saved?.secretAccessKey);
  if (savedId !== undefined && savedSecret !== undefined)
    return { accessKeyId: savedId, secretAccessKey: savedSecret };
  throw missingCredentials("no S3 credentials found");
}

function missingCredentials(message: string): CliError {
  return new CliError(message, {
    code: ErrorCode.unauthorized,
    hint:
      "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the access key `fawkes up` printed), " +
      "or run `fawkes up`/`fawkes server` on this machine so its key is remembered for --server",
  });
}

export function createS3Client(connection: S3Connection): S3Client {
  return new S3Client({
    endpoint: connection.endpoint,
    region: connection.region,
    credentials: connection.credentials,
    forcePathStyle: true,
    maxAttempts: 3,
  });
}

/** Runs `body` with a client for this invocation and releases its sockets afterwards. */
export async function withS3Client<T>(
  command: Command,
  io: CliIo,
  body: (client: S3Client) => Promise<T>,
): Promise<T> {
  const client = createS3Client(resolveS3Connection(command, io));
  try {
    return await body(client);
  } finally {
    client.destroy();
  }
}
