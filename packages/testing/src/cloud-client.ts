import { S3Client } from "@aws-sdk/client-s3";
import { ApiRoutes, type CreatedAccessKeyDto } from "@fawkes/protocol";
import type { CleanupScope } from "./cleanup.ts";
import type { ServerProcess } from "./server-process.ts";

const ALLOW_ALL = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

/** An AWS SDK client for the server's cloud endpoint, signing with a new access key that may do anything. */
export async function adminCloudClient(
  t: CleanupScope,
  server: ServerProcess,
  keyName: string,
): Promise<S3Client> {
  const key = await server.api.post<CreatedAccessKeyDto>(ApiRoutes.credentials, {
    name: keyName,
    policy: ALLOW_ALL,
  });
  const s3 = new S3Client({
    endpoint: server.cloudUrl,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    maxAttempts: 1,
  });
  t.after(() => s3.destroy());
  return s3;
}
