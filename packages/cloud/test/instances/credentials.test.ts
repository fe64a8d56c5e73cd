/**
 * An instance's metadata endpoint and cloud endpoint, bridged into its namespace: user data reads its role's
 * credentials from IMDSv2 with curl, and real awscli (through the `aws` wrapper, with no keys) fetches a build
 * from a bucket with them (its region from the metadata endpoint too), as does the AWS SDK v3; a role without
 * s3:GetObject cannot.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { AccessKey } from "@fawkes/cloud";
import type { RoleCredentials } from "@fawkes/protocol";
import { ADMIN, startTestEndpoint } from "../helpers.ts";
import { instanceId, metadataFor, startInstance, testAddress } from "./support.ts";

function roleKey(name: string, actions: string[]): AccessKey & { sessionToken: string } {
  return {
    accessKeyId: `ASIA${name.toUpperCase().padEnd(16, "X")}`,
    secretAccessKey: `secret-of-${name}-0123456789abcdefghij`,
    sessionToken: `token-of-${name}`,
    principalArn: `arn:aws:sts::000000000000:assumed-role/${name}/i-session`,
    roleArn: `arn:aws:iam::000000000000:role/${name}`,
    policies: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }] }],
  };
}

function credentialsOf(key: AccessKey & { sessionToken: string }): () => Promise<RoleCredentials> {
  return async () => ({
    roleArn: key.roleArn ?? "",
    roleName: key.roleArn?.split("/").pop() ?? "",
    accessKeyId: key.accessKeyId,
    secretAccessKey: key.secretAccessKey,
    sessionToken: key.sessionToken,
    expiration: Date.now() + 3_600_000,
  });
}

/** The checkout, visible inside instances: the AWS SDK is in its node_modules. */
const REPO = fileURLToPath(new URL("../../../..", import.meta.url));

const FETCH = `#!/bin/sh
set -e
token=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "\${AWS_EC2_METADATA_SERVICE_ENDPOINT}latest/api/token")
role=$(curl -sf -H "X-aws-ec2-metadata-token: $token" "\${AWS_EC2_METADATA_SERVICE_ENDPOINT}latest/meta-data/iam/security-credentials/")
echo "role=$role"
curl -sf -H "X-aws-ec2-metadata-token: $token" "\${AWS_EC2_METADATA_SERVICE_ENDPOINT}latest/meta-data/iam/security-credentials/$role" | tr -d '\\n '
echo
mkdir -p /opt/app
aws s3 cp s3://builds/app-1.txt /opt/app/app-1.txt
cat /opt/app/app-1.txt
cd ${REPO}
AWS_REGION=us-east-1 ${process.execPath} --input-type=module -e '
import { S3Client, GetObjectCommand } from "@aws-sdk/client-s3";
const s3 = new S3Client({ forcePathStyle: true });
const object = await s3.send(new GetObjectCommand({ Bucket: "builds", Key: "app-1.txt" }));
console.log("sdk read: " + (await object.Body.transformToString()).trim());
'
`;

test("user data reads its role's credentials at its metadata endpoint and aws s3 cp fetches its build with them", async (t) => {
  const reader = roleKey("AppReader", ["s3:GetObject", "s3:ListBucket"]);
  const blind = roleKey("NoRead", ["s3:ListBucket"]);
  const cloud = await startTestEndpoint(t, {}, [ADMIN, reader, blind]);
  const s3 = cloud.client();
  await s3.send(new CreateBucketCommand({ Bucket: "builds" }));
  await s3.send(new PutObjectCommand({ Bucket: "builds", Key: "app-1.txt", Body: "build number one\n" }));
  const cloudEndpoint = { host: "127.0.0.1", port: Number(new URL(cloud.url).port) };

  const id = instanceId();
  const address = testAddress();
  const allowed = await startInstance(t, FETCH, {
    id,
    address,
    cloudEndpoint,
    metadata: metadataFor(id, address, credentialsOf(reader)),
  });
  const result = await allowed.ready;
  const text = await allowed.text();
  assert.equal(result.ok, true, text);
  assert.match(text, /role=AppReader\n/);
  assert.match(
    text,
    new RegExp(`"Code":"Success".*"AccessKeyId":"${reader.accessKeyId}".*"Token":"${reader.sessionToken}"`),
  );
  assert.match(text, /\nbuild number one\n/);
  assert.match(text, /\nsdk read: build number one\n/);

  const otherId = instanceId();
  const otherAddress = testAddress();
  const denied = await startInstance(t, FETCH, {
    id: otherId,
    address: otherAddress,
    cloudEndpoint,
    metadata: metadataFor(otherId, otherAddress, credentialsOf(blind)),
  });
  const deniedResult = await denied.ready;
  const deniedText = await denied.text();
  assert.deepEqual(deniedResult.failures, ["part-001"], deniedText);
  assert.match(deniedText, /role=NoRead\n/);
  assert.match(deniedText, /(Forbidden|AccessDenied)/);
  assert.doesNotMatch(deniedText, /build number one/);
});
