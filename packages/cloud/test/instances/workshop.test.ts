/**
 * The workshop's own user data (seed app-server-template.json, `Fn::Join` resolved for build 1, byte for byte in
 * fixtures/workshop-user-data.sh): apt-get and pip find no network and fail as they would offline, then the user,
 * its home and the build fetched from the bucket by `aws s3 cp` with the instance's role, then `su - devops-user`.
 */
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { ADMIN, startTestEndpoint } from "../helpers.ts";
import { instanceId, metadataFor, startInstance, testAddress } from "./support.ts";

const here = path.dirname(fileURLToPath(import.meta.url));

test("the workshop's user data runs unchanged: devops-user gets the build from the bucket", async (t) => {
  const role = {
    accessKeyId: "ASIAWORKSHOPAPPSERVER",
    secretAccessKey: "workshop-app-server-secret-0123456789",
    sessionToken: "workshop-session-token",
    principalArn: "arn:aws:sts::000000000000:assumed-role/AppServer/i-session",
    roleArn: "arn:aws:iam::000000000000:role/AppServer",
    policies: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }],
  };
  const cloud = await startTestEndpoint(t, {}, [ADMIN, role]);
  const s3 = cloud.client();
  await s3.send(new CreateBucketCommand({ Bucket: "devops-part-four" }));
  for (const build of [1, 2])
    await s3.send(
      new PutObjectCommand({
        Bucket: "devops-part-four",
        Key: `application-0.1.0-${build}-standalone.jar`,
        Body: `jar of build ${build}`,
      }),
    );
  const id = instanceId();
  const address = testAddress();
  const instance = await startInstance(t, readFileSync(path.join(here, "fixtures/workshop-user-data.sh")), {
    id,
    address,
    cloudEndpoint: { host: "127.0.0.1", port: Number(new URL(cloud.url).port) },
    metadata: metadataFor(id, address, async () => ({
      roleArn: role.roleArn,
      roleName: "AppServer",
      accessKeyId: role.accessKeyId,
      secretAccessKey: role.secretAccessKey,
      sessionToken: role.sessionToken,
      expiration: Date.now() + 3_600_000,
    })),
  });
  const result = await instance.ready;
  const text = await instance.text();
  assert.match(
    text,
    /download: s3:\/\/devops-part-four\/application-0\.1\.0-1-standalone\.jar to home\/devops-user\/application-0\.1\.0-1-standalone\.jar\n/,
  );
  // The jar is a stand-in, so the last command (java, or its absence) fails the boot, as it would on EC2.
  assert.deepEqual(result.failures, ["part-001"], text);
  const home = path.join(instance.spec.instanceDir, "upper/home/devops-user");
  assert.equal(readFileSync(path.join(home, "application-0.1.0-1-standalone.jar"), "utf8"), "jar of build 1");
  const passwd = readFileSync(path.join(instance.spec.instanceDir, "upper/etc/passwd"), "utf8");
  const uid = Number(/^devops-user:x:(\d+):/m.exec(passwd)?.[1]);
  assert.equal(statSync(path.join(home, "application-0.1.0-1-standalone.jar")).uid, uid);
  assert.equal(statSync(home).uid, uid);
  assert.throws(() => statSync(path.join(home, "application-0.1.0-2-standalone.jar")));
});
