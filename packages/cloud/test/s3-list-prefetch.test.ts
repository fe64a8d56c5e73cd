import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type ListObjectsV2CommandOutput,
} from "@aws-sdk/client-s3";
import { startTestEndpoint } from "./helpers.ts";

const keysOf = (page: ListObjectsV2CommandOutput): string[] => (page.Contents ?? []).map((c) => c.Key!);

// The endpoint renders the next page as soon as it has answered one (in the same event-loop turn), so by the
// time the client's write arrives, that page is already computed: these tests fail if it were served stale.
test("a write between two pages shows up in the next page (pages computed ahead are dropped)", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "paging" }));
  for (const key of ["a", "c", "e", "g"])
    await s3.send(new PutObjectCommand({ Bucket: "paging", Key: key, Body: key }));

  for (let round = 0; round < 5; round++) {
    const first = await s3.send(new ListObjectsV2Command({ Bucket: "paging", MaxKeys: 1 }));
    assert.deepEqual(keysOf(first), ["a"]);
    const added = `b${round}`;
    await s3.send(new PutObjectCommand({ Bucket: "paging", Key: added, Body: "new" }));
    const second = await s3.send(
      new ListObjectsV2Command({
        Bucket: "paging",
        MaxKeys: 1,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    assert.deepEqual(keysOf(second), [added], `round ${round}: the key written between the pages is listed`);
    await s3.send(new DeleteObjectCommand({ Bucket: "paging", Key: added }));
  }

  const first = await s3.send(new ListObjectsV2Command({ Bucket: "paging", MaxKeys: 1 }));
  await s3.send(new DeleteObjectCommand({ Bucket: "paging", Key: "c" }));
  const second = await s3.send(
    new ListObjectsV2Command({
      Bucket: "paging",
      MaxKeys: 1,
      ContinuationToken: first.NextContinuationToken,
    }),
  );
  assert.deepEqual(keysOf(second), ["e"], "a key deleted between the pages is not listed");
});

test("pages served ahead equal pages computed on request, for every listing parameter", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "same" }));
  const keys = ["x/1", "x/2", "y/1", "y+z/%", "z", "z/ü", "zz"];
  for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: "same", Key: key, Body: key }));

  const variants = [
    { MaxKeys: 2 },
    { MaxKeys: 2, Delimiter: "/" },
    { MaxKeys: 1, Prefix: "y", EncodingType: "url" as const },
    { MaxKeys: 2, StartAfter: "x/1", FetchOwner: true },
  ];
  for (const variant of variants) {
    const pages: ListObjectsV2CommandOutput[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: "same", ...variant, ContinuationToken: token }),
      );
      pages.push(page);
      token = page.NextContinuationToken;
    } while (token);
    assert.ok(pages.length > 1, `${JSON.stringify(variant)} pages`);
    // Asked again from the last page backwards: nothing is computed ahead for these requests.
    for (let index = pages.length - 1; index >= 1; index--) {
      const again = await s3.send(
        new ListObjectsV2Command({
          Bucket: "same",
          ...variant,
          ContinuationToken: pages[index - 1]!.NextContinuationToken,
        }),
      );
      const { $metadata: _ignored, ...expected } = pages[index]!;
      const { $metadata: _alsoIgnored, ...actual } = again;
      assert.deepEqual(actual, expected, `${JSON.stringify(variant)} page ${index + 1}`);
    }
  }
});
