/**
 * The Buckets page's API: the server browses its own cloud endpoint (through the SDK, under an internal key) and
 * shows what S3 clients put there — buckets, one prefix level at a time, details, downloads, odd keys included.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  ApiRoutes,
  apiPath,
  type AccessKeyListDto,
  type BucketListDto,
  type ObjectDetailsDto,
  type ObjectListDto,
} from "@fawkes/protocol";
import { adminCloudClient, startServerProcess } from "@fawkes/testing";

const ODD_KEY = "odd dir/naïve 100% ..//plan + ünïcode ☃.txt";

test("browse buckets, prefixes, details and downloads through /api/v1", { timeout: 60_000 }, async (t) => {
  const server = await startServerProcess(t);
  const s3 = await adminCloudClient(t, server, "tester");
  await s3.send(new CreateBucketCommand({ Bucket: "releases" }));
  await s3.send(new CreateBucketCommand({ Bucket: "logs" }));
  const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
  await s3.send(
    new PutObjectCommand({
      Bucket: "releases",
      Key: "app/v1/app.tar.gz",
      Body: bytes,
      ContentType: "application/gzip",
      Metadata: { commit: "abc123" },
    }),
  );
  await s3.send(new PutObjectCommand({ Bucket: "releases", Key: "app/v2/app.tar.gz", Body: "v2" }));
  await s3.send(new PutObjectCommand({ Bucket: "releases", Key: "app/README", Body: "read me" }));
  await s3.send(new PutObjectCommand({ Bucket: "releases", Key: "top.txt", Body: "top" }));
  await s3.send(new PutObjectCommand({ Bucket: "releases", Key: ODD_KEY, Body: "odd" }));

  const buckets = await server.api.get<BucketListDto>(ApiRoutes.buckets);
  assert.deepEqual(buckets.buckets.map((bucket) => bucket.name).sort(), ["logs", "releases"]);
  assert.ok(buckets.buckets.every((bucket) => bucket.createdAt > Date.now() - 600_000));

  const objects = (bucket: string, query: Record<string, string>) =>
    `${apiPath(ApiRoutes.bucketObjects, { bucket })}?${new URLSearchParams(query)}`;
  const root = await server.api.get<ObjectListDto>(objects("releases", {}));
  assert.deepEqual(root.prefixes, ["app/", "odd dir/"]);
  assert.deepEqual(
    root.objects.map((object) => [object.key, object.size]),
    [["top.txt", 3]],
  );
  assert.equal(root.nextContinuation, null);
  const app = await server.api.get<ObjectListDto>(objects("releases", { prefix: "app/" }));
  assert.deepEqual(app.prefixes, ["app/v1/", "app/v2/"]);
  assert.deepEqual(
    app.objects.map((object) => object.key),
    ["app/README"],
  );
  const v1 = await server.api.get<ObjectListDto>(objects("releases", { prefix: "app/v1/" }));
  assert.equal(v1.objects[0]?.size, bytes.length);
  assert.match(v1.objects[0]?.etag ?? "", /^[0-9a-f]{32}$/);

  const details = await server.api.get<ObjectDetailsDto>(
    `${apiPath(ApiRoutes.bucketObject, { bucket: "releases" })}?key=app%2Fv1%2Fapp.tar.gz`,
  );
  assert.equal(details.key, "app/v1/app.tar.gz");
  assert.equal(details.size, bytes.length);
  assert.equal(details.contentType, "application/gzip");
  assert.deepEqual(details.metadata, { commit: "abc123" });
  assert.equal(details.etag, v1.objects[0]?.etag);

  const download = await server.api.request(
    "GET",
    `${apiPath(ApiRoutes.bucketDownload, { bucket: "releases" })}?key=app%2Fv1%2Fapp.tar.gz`,
  );
  assert.equal(download.status, 200);
  assert.equal(download.headers.get("content-type"), "application/gzip");
  assert.equal(download.headers.get("content-length"), String(bytes.length));
  assert.match(download.headers.get("content-disposition") ?? "", /^attachment; filename="app.tar.gz"/);
  assert.ok(Buffer.from(await download.arrayBuffer()).equals(bytes));

  // Keys go in query parameters: spaces, %, unicode, `..` and `//` arrive untouched.
  const oddDir = await server.api.get<ObjectListDto>(objects("releases", { prefix: "odd dir/" }));
  assert.deepEqual(oddDir.prefixes, ["odd dir/naïve 100% ../"]);
  const oddQuery = new URLSearchParams({ key: ODD_KEY });
  const oddDetails = await server.api.get<ObjectDetailsDto>(
    `${apiPath(ApiRoutes.bucketObject, { bucket: "releases" })}?${oddQuery}`,
  );
  assert.equal(oddDetails.key, ODD_KEY);
  const oddDownload = await server.api.request(
    "GET",
    `${apiPath(ApiRoutes.bucketDownload, { bucket: "releases" })}?${oddQuery}`,
  );
  assert.equal(await oddDownload.text(), "odd");
  assert.match(
    oddDownload.headers.get("content-disposition") ?? "",
    /filename\*=UTF-8''plan%20%2B%20%C3%BCn%C3%AFcode%20%E2%98%83\.txt$/,
  );

  // Authenticated like every /api/v1 route.
  for (const path of [ApiRoutes.buckets, objects("releases", {})]) {
    const anonymous = await server.api.request("GET", path, { anonymous: true });
    assert.equal(anonymous.status, 401, path);
  }
  const missingBucket = await server.api.request("GET", objects("no-such-bucket", {}));
  assert.equal(missingBucket.status, 404);
  assert.equal(missingBucket.headers.get("content-type"), "application/problem+json; charset=utf-8");
  assert.equal(((await missingBucket.json()) as { code: string }).code, "FAWKES_NOT_FOUND");
  const missingKey = await server.api.request(
    "GET",
    `${apiPath(ApiRoutes.bucketDownload, { bucket: "releases" })}?key=nope`,
  );
  assert.equal(missingKey.status, 404);
  const noKey = await server.api.request("GET", apiPath(ApiRoutes.bucketObject, { bucket: "releases" }));
  assert.equal(noKey.status, 400);

  // The internal key is listed (so operators can tell what it is) and expires within 12 hours.
  const keys = await server.api.get<AccessKeyListDto>(ApiRoutes.credentials);
  const internal = keys.accessKeys.filter((entry) => entry.name === "fawkes-internal-ui");
  assert.equal(internal.length, 1);
  const expiresAt = internal[0]?.expiresAt ?? 0;
  assert.ok(expiresAt > Date.now() && expiresAt <= Date.now() + 12 * 3600_000, String(expiresAt));
});

test("pages of 200 objects continue where the previous page stopped", { timeout: 60_000 }, async (t) => {
  const server = await startServerProcess(t);
  const s3 = await adminCloudClient(t, server, "pager");
  await s3.send(new CreateBucketCommand({ Bucket: "many" }));
  const keys = Array.from({ length: 230 }, (_, i) => `k/${String(i).padStart(3, "0")}`);
  for (let i = 0; i < keys.length; i += 20)
    await Promise.all(
      keys.slice(i, i + 20).map((k) => s3.send(new PutObjectCommand({ Bucket: "many", Key: k, Body: k }))),
    );
  const path = (query: Record<string, string>) =>
    `${apiPath(ApiRoutes.bucketObjects, { bucket: "many" })}?${new URLSearchParams({ prefix: "k/", ...query })}`;
  const first = await server.api.get<ObjectListDto>(path({}));
  assert.equal(first.objects.length, 200);
  assert.ok(first.nextContinuation);
  const second = await server.api.get<ObjectListDto>(path({ continuation: first.nextContinuation }));
  assert.deepEqual(
    [...first.objects, ...second.objects].map((object) => object.key),
    keys,
  );
  assert.equal(second.nextContinuation, null);
});
