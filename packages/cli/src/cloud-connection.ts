/**
 * Which cloud endpoint, credentials and region the AWS-client commands (`fawkes s3`, `fawkes stack`,
 * `fawkes instances`) use. One resolution for all of them; each part is taken from the first place that has it.
 *
 * Local provider (the default: the Fawkes server's cloud endpoint):
 * - endpoint: --endpoint-url, $AWS_ENDPOINT_URL_<SERVICE> (e.g. `_S3`, `_CLOUDFORMATION`, `_EC2`),
 *   $AWS_ENDPOINT_URL, the cloud URL saved for --server (by `fawkes up`/`fawkes server`);
 * - credentials: --access-key-id/--secret-access-key, $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY
 *   (+ $AWS_SESSION_TOKEN), the metadata endpoint named by $AWS_EC2_METADATA_SERVICE_ENDPOINT (a job's or an
 *   instance's role: it wins over the saved key, so a job without a role never acts as the administrator), the
 *   access key saved for --server, then the SDK's shared config files (`~/.aws`, $AWS_PROFILE);
 * - region: --region, $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1.
 *
 * AWS provider (`--provider aws`): no endpoint override, the flags' or environment's key, else the SDK's standard
 * credential chain (profiles, SSO, web identity, container and instance metadata), and the SDK's region
 * (--region, $AWS_REGION, the profile's).
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { CloudFormationClientConfig } from "@aws-sdk/client-cloudformation";
import { fromIni, fromInstanceMetadata, fromNodeProviderChain } from "@aws-sdk/credential-providers";
import type { Command } from "commander";
import { ErrorCode } from "@fawkes/protocol/constants";
import { nonEmpty, serverUrlOf } from "./context.ts";
import { loadServerToken, type ServerCredentials } from "./credentials.ts";
import { CliError } from "./errors.ts";
import type { CliIo } from "./io.ts";
import { SERVICE_LABEL, type CloudProvider, type CloudService } from "./cloud-options.ts";

export interface CloudConnectionFlags {
  endpointUrl?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
  provider?: CloudProvider;
}

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type CredentialSource = StaticCredentials | (() => Promise<StaticCredentials>);

export interface CloudConnection {
  provider: CloudProvider;
  /** Undefined for the AWS provider: the SDK's own endpoint for the region. */
  endpoint: string | undefined;
  /** Undefined for the AWS provider when nothing names one: the SDK's region chain decides. */
  region: string | undefined;
  credentials: CredentialSource;
}

export function resolveCloudConnection(command: Command, io: CliIo, service: CloudService): CloudConnection {
  const flags = command.optsWithGlobals<CloudConnectionFlags>();
  const env = io.env;
  const label = SERVICE_LABEL[service];
  const explicit = explicitCredentials(flags, env, label);
  if (flags.provider === "aws") {
    if (nonEmpty(flags.endpointUrl) !== undefined)
      throw new CliError("--endpoint-url and --provider aws do not go together", {
        code: ErrorCode.badRequest,
        hint: "--provider aws always uses AWS's own endpoint; drop --endpoint-url (or --provider aws)",
      });
    return {
      provider: "aws",
      endpoint: undefined,
      region: nonEmpty(flags.region) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
      credentials: explicit ?? guarded(fromNodeProviderChain(), label, "aws"),
    };
  }

  let saved: ServerCredentials | undefined;
  const savedEntry = (): ServerCredentials | undefined =>
    (saved ??= loadServerToken(serverUrlOf(command, io), env));
  const endpoint =
    nonEmpty(flags.endpointUrl) ??
    nonEmpty(env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`]) ??
    nonEmpty(env.AWS_ENDPOINT_URL) ??
    nonEmpty(savedEntry()?.cloudUrl);
  if (endpoint === undefined)
    throw new CliError(`no ${label} endpoint configured`, {
      code: ErrorCode.badRequest,
      hint:
        "pass --endpoint-url URL (e.g. http://127.0.0.1:8154), set AWS_ENDPOINT_URL, " +
        "or run `fawkes up`/`fawkes server` on this machine so its cloud endpoint is remembered for --server",
    });
  try {
    new URL(endpoint);
  } catch (cause) {
    throw new CliError(`${label} endpoint ${JSON.stringify(endpoint)} is not a URL`, {
      code: ErrorCode.badRequest,
      cause,
    });
  }
  const region =
    nonEmpty(flags.region) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? "us-east-1";
  return { provider: "local", endpoint, region, credentials: explicit ?? localChain(env, label, savedEntry) };
}

/** Flags, then the environment's key; undefined when neither names one. */
function explicitCredentials(
  flags: CloudConnectionFlags,
  env: CliIo["env"],
  label: string,
): StaticCredentials | undefined {
  if (flags.accessKeyId !== undefined || flags.secretAccessKey !== undefined) {
    if (nonEmpty(flags.accessKeyId) === undefined || nonEmpty(flags.secretAccessKey) === undefined)
      throw missingCredentials(label, "--access-key-id and --secret-access-key must be given together");
    return { accessKeyId: flags.accessKeyId as string, secretAccessKey: flags.secretAccessKey as string };
  }
  const envId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const envSecret = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (envId === undefined && envSecret === undefined) return undefined;
  if (envId === undefined || envSecret === undefined)
    throw missingCredentials(label, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
  const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
  return sessionToken === undefined
    ? { accessKeyId: envId, secretAccessKey: envSecret }
    : { accessKeyId: envId, secretAccessKey: envSecret, sessionToken };
}

function localChain(
  env: CliIo["env"],
  label: string,
  savedEntry: () => ServerCredentials | undefined,
): CredentialSource {
  if (
    nonEmpty(env.AWS_EC2_METADATA_SERVICE_ENDPOINT) !== undefined &&
    env.AWS_EC2_METADATA_DISABLED?.toLowerCase() !== "true"
  )
    return guarded(
      // The SDK reads the endpoint from the process's environment, which is this one outside tests.
      fromInstanceMetadata({ maxRetries: 1, timeout: 2000 }),
      label,
      "metadata",
    );
  const saved = savedEntry();
  const savedId = nonEmpty(saved?.accessKeyId);
  const savedSecret = nonEmpty(saved?.secretAccessKey);
  if (savedId !== undefined && savedSecret !== undefined)
    return { accessKeyId: savedId, secretAccessKey: savedSecret };
  const home = nonEmpty(env.HOME) ?? homedir();
  const configFiles = [
    nonEmpty(env.AWS_SHARED_CREDENTIALS_FILE) ?? join(home, ".aws", "credentials"),
    nonEmpty(env.AWS_CONFIG_FILE) ?? join(home, ".aws", "config"),
  ];
  if (nonEmpty(env.AWS_PROFILE) !== undefined || configFiles.some((file) => existsSync(file)))
    return guarded(
      fromIni({ ...(nonEmpty(env.AWS_PROFILE) !== undefined && { profile: env.AWS_PROFILE }) }),
      label,
      "profile",
    );
  throw missingCredentials(label, `no ${label} credentials found`);
}

/** A credential provider whose failure says what to do next instead of the SDK's chain trace. */
function guarded(
  provider: () => Promise<StaticCredentials>,
  label: string,
  source: "aws" | "metadata" | "profile",
): () => Promise<StaticCredentials> {
  return async () => {
    try {
      return await provider();
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
      const message =
        source === "metadata"
          ? `no ${label} credentials from the metadata endpoint $AWS_EC2_METADATA_SERVICE_ENDPOINT (${reason})`
          : source === "profile"
            ? `no ${label} credentials from the AWS profile (${reason})`
            : `no AWS credentials found (${reason})`;
      throw missingCredentials(label, message, source === "aws", cause);
    }
  };
}

function missingCredentials(label: string, message: string, aws = false, cause?: unknown): CliError {
  return new CliError(message, {
    code: ErrorCode.unauthorized,
    cause,
    hint: aws
      ? "configure AWS credentials as for awscli (`aws configure`, AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
      : "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the access key `fawkes up` printed, or one from " +
        "`fawkes credentials create NAME --policy FILE`), give the job a role with the " +
        `${label} actions it needs, or run \`fawkes up\`/\`fawkes server\` on this machine so its key is remembered for --server`,
  });
}

/** Test seam: an SDK `requestHandler` that sees the signed request instead of the network. */
export interface ClientOverrides {
  requestHandler?: NonNullable<CloudFormationClientConfig["requestHandler"]>;
}

/** The SDK client configuration of a connection (shared by every AWS client the CLI makes). */
export function clientConfig(connection: CloudConnection, overrides: ClientOverrides = {}) {
  return {
    ...(connection.endpoint !== undefined && { endpoint: connection.endpoint }),
    ...(connection.region !== undefined && { region: connection.region }),
    credentials: connection.credentials,
    maxAttempts: 3,
    // AWS means AWS: an $AWS_ENDPOINT_URL meant for the local endpoint (a job's, say) must not redirect it.
    ...(connection.provider === "aws" && { ignoreConfiguredEndpointUrls: true }),
    ...(overrides.requestHandler !== undefined && { requestHandler: overrides.requestHandler }),
  };
}

/** Every item of a paginated AWS list (`NextToken` pagination). */
export async function everyPage<P extends { NextToken?: string | undefined }, T>(
  fetchPage: (token: string | undefined) => Promise<P>,
  items: (page: P) => T[] | undefined,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    all.push(...(items(page) ?? []));
    token = page.NextToken;
  } while (token);
  return all;
}
