/**
 * The S3 client of `fawkes s3`: endpoint, credentials and region as every AWS-client command resolves them
 * (cloud-connection.ts). Path-style addressing always: the cloud endpoint is served on an IP address.
 */
import { S3Client } from "@aws-sdk/client-s3";
import type { Command } from "commander";
import { clientConfig, resolveCloudConnection, type CloudConnection } from "../../cloud-connection.ts";
import type { CliIo } from "../../io.ts";

export function createS3Client(connection: CloudConnection): S3Client {
  return new S3Client({ ...clientConfig(connection), forcePathStyle: true });
}

/** Runs `body` with a client for this invocation and releases its sockets afterwards. */
export async function withS3Client<T>(
  command: Command,
  io: CliIo,
  body: (client: S3Client) => Promise<T>,
): Promise<T> {
  const client = createS3Client(resolveCloudConnection(command, io, "s3"));
  try {
    return await body(client);
  } finally {
    client.destroy();
  }
}
