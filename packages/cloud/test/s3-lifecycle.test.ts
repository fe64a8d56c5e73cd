import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CreateBucketCommand,
  DeleteBucketLifecycleCommand,
  GetBucketLifecycleConfigurationCommand,
  ListObjectsV2Command,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { startTestEndpoint, waitFor } from "./helpers.ts";
import { signedFetch } from "./raw-request.ts";

const DAY = 86_400_000;

async function keys(s3: S3Client, bucket: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((c) => c.Key!);
}

async function putAll(s3: S3Client, bucket: string, names: string[]): Promise<void> {
  // Sequential, so LastModified follows the order of `names`.
  for (const Key of names) await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: Key }));
}

function putLifecycleXml(url: string, bucket: string, rules: string) {
  return signedFetch(url, {
    method: "PUT",
    path: `/${bucket}`,
    query: { lifecycle: "" },
    headers: { "content-type": "application/xml" },
    body: `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules}</LifecycleConfiguration>`,
  });
}

test("lifecycle configuration: put, get (same rules), delete; none is NoSuchLifecycleConfiguration", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "lcy" }));
  await assert.rejects(
    s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "lcy" })),
    (e: S3ServiceException) =>
      e.name === "NoSuchLifecycleConfiguration" && e.$metadata.httpStatusCode === 404,
  );
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: "lcy",
      LifecycleConfiguration: {
        Rules: [
          { ID: "logs", Filter: { Prefix: "logs/" }, Status: "Enabled", Expiration: { Days: 7 } },
          {
            ID: "stale-uploads",
            Filter: {},
            Status: "Disabled",
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
          },
        ],
      },
    }),
  );
  const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "lcy" }));
  assert.equal(got.Rules?.length, 2);
  assert.deepEqual(
    { id: got.Rules?.[0]?.ID, prefix: got.Rules?.[0]?.Filter?.Prefix, status: got.Rules?.[0]?.Status },
    { id: "logs", prefix: "logs/", status: "Enabled" },
  );
  assert.equal(got.Rules?.[0]?.Expiration?.Days, 7);
  assert.equal(got.Rules?.[1]?.AbortIncompleteMultipartUpload?.DaysAfterInitiation, 2);
  await s3.send(new DeleteBucketLifecycleCommand({ Bucket: "lcy" }));
  await assert.rejects(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "lcy" })));
});

test("malformed lifecycle rules are refused with S3's codes", async (t) => {
  const ep = await startTestEndpoint(t);
  await ep.client().send(new CreateBucketCommand({ Bucket: "lcy" }));
  const cases: [string, string][] = [
    ["<Rule><ID>a</ID><Filter/><Expiration><Days>1</Days></Expiration></Rule>", "MalformedXML"],
    [
      "<Rule><ID>a</ID><Filter/><Status>Enabled</Status><Expiration><Days>0</Days></Expiration></Rule>",
      "InvalidArgument",
    ],
    ["<Rule><ID>a</ID><Filter/><Status>Enabled</Status></Rule>", "InvalidArgument"],
    [
      "<Rule><ID>a</ID><Filter/><Status>Enabled</Status><FawkesKeepNewest>2</FawkesKeepNewest></Rule>" +
        "<Rule><ID>a</ID><Filter/><Status>Enabled</Status><FawkesKeepNewest>3</FawkesKeepNewest></Rule>",
      "InvalidArgument",
    ],
    [
      "<Rule><ID>a</ID><Filter/><Status>Enabled</Status><FawkesKeepNewest>-1</FawkesKeepNewest></Rule>",
      "InvalidArgument",
    ],
  ];
  for (const [rules, code] of cases) {
    const response = await putLifecycleXml(ep.url, "lcy", rules);
    assert.equal(response.status, 400, rules);
    assert.match(response.body, new RegExp(`<Code>${code}</Code>`), rules);
  }
});

test("Expiration/Days removes matching objects once N days (to the next midnight UTC) have passed", async (t) => {
  const ep = await startTestEndpoint(t, { lifecycleIntervalMs: 0 });
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "exp" }));
  await putAll(s3, "exp", ["logs/a.txt", "logs/b.txt", "keep/c.txt", "tmp/d.txt"]);
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: "exp",
      LifecycleConfiguration: {
        Rules: [
          { ID: "logs", Filter: { Prefix: "logs/" }, Status: "Enabled", Expiration: { Days: 3 } },
          { ID: "tmp-off", Filter: { Prefix: "tmp/" }, Status: "Disabled", Expiration: { Days: 1 } },
        ],
      },
    }),
  );
  const now = Date.now();
  assert.deepEqual((await ep.endpoint.applyLifecycle(now + 2 * DAY)).expired, []);
  assert.equal((await keys(s3, "exp")).length, 4);
  const report = await ep.endpoint.applyLifecycle(now + 4 * DAY);
  assert.deepEqual(report.expired.map((e) => `${e.rule}:${e.key}`).sort(), [
    "logs:logs/a.txt",
    "logs:logs/b.txt",
  ]);
  assert.deepEqual(await keys(s3, "exp"), ["keep/c.txt", "tmp/d.txt"], "disabled rule does nothing");
  assert.deepEqual((await ep.endpoint.applyLifecycle(now + 400 * DAY)).expired, []);
});

test("FawkesKeepNewest keeps the newest N objects per prefix (one rule per prefix, or grouped by delimiter)", async (t) => {
  const ep = await startTestEndpoint(t, { lifecycleIntervalMs: 0 });
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "builds" }));
  const names = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${prefix}build-${String(i + 1).padStart(2, "0")}.jar`);
  await putAll(s3, "builds", [
    ...names("app-a/", 5),
    ...names("app-b/", 4),
    ...names("pipelines/x/", 3),
    ...names("pipelines/y/", 2),
    ...names("other/", 3),
  ]);
  const response = await putLifecycleXml(
    ep.url,
    "builds",
    "<Rule><ID>a</ID><Filter><Prefix>app-a/</Prefix></Filter><Status>Enabled</Status><FawkesKeepNewest>2</FawkesKeepNewest></Rule>" +
      "<Rule><ID>b</ID><Filter><Prefix>app-b/</Prefix></Filter><Status>Enabled</Status><FawkesKeepNewest>3</FawkesKeepNewest></Rule>" +
      "<Rule><ID>per-pipeline</ID><Filter><Prefix>pipelines/</Prefix></Filter><Status>Enabled</Status>" +
      "<FawkesKeepNewest>1</FawkesKeepNewest><FawkesGroupByDelimiter>/</FawkesGroupByDelimiter></Rule>" +
      "<Rule><ID>off</ID><Filter><Prefix>other/</Prefix></Filter><Status>Disabled</Status><FawkesKeepNewest>1</FawkesKeepNewest></Rule>",
  );
  assert.equal(response.status, 200, response.body);
  const raw = await signedFetch(ep.url, { method: "GET", path: "/builds", query: { lifecycle: "" } });
  assert.match(raw.body, /<FawkesKeepNewest>2<\/FawkesKeepNewest>/);
  assert.match(raw.body, /<FawkesGroupByDelimiter>\/<\/FawkesGroupByDelimiter>/);
  const sdkView = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: "builds" }));
  assert.equal(sdkView.Rules?.length, 4, "the SDK still reads a configuration with extension elements");

  const report = await ep.endpoint.applyLifecycle();
  assert.equal(report.expired.length, 3 + 1 + 2 + 1);
  assert.deepEqual(await keys(s3, "builds"), [
    "app-a/build-04.jar",
    "app-a/build-05.jar",
    "app-b/build-02.jar",
    "app-b/build-03.jar",
    "app-b/build-04.jar",
    "other/build-01.jar",
    "other/build-02.jar",
    "other/build-03.jar",
    "pipelines/x/build-03.jar",
    "pipelines/y/build-02.jar",
  ]);
  // An upload after the pass is the newest again and survives; the one it displaced goes on the next pass.
  await putAll(s3, "builds", ["app-a/build-01.jar"]);
  await ep.endpoint.applyLifecycle();
  assert.deepEqual(
    (await keys(s3, "builds")).filter((k) => k.startsWith("app-a/")),
    ["app-a/build-01.jar", "app-a/build-05.jar"],
  );
});

test("the background sweeper applies rules on its own at lifecycleIntervalMs", async (t) => {
  const ep = await startTestEndpoint(t, { lifecycleIntervalMs: 50 });
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "sweep" }));
  await putAll(s3, "sweep", ["r/1", "r/2", "r/3"]);
  const response = await putLifecycleXml(
    ep.url,
    "sweep",
    "<Rule><ID>one</ID><Prefix>r/</Prefix><Status>Enabled</Status><FawkesKeepNewest>1</FawkesKeepNewest></Rule>",
  );
  assert.equal(response.status, 200, response.body);
  await waitFor(async () => (await keys(s3, "sweep")).length === 1, 10_000);
  assert.deepEqual(await keys(s3, "sweep"), ["r/3"]);
});
