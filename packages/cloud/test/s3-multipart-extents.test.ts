import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { startTestEndpoint } from "./helpers.ts";

const MiB = 1024 * 1024;

/** Uploads `parts` as one multipart object, in order. */
async function uploadInParts(s3: S3Client, Bucket: string, Key: string, parts: Buffer[]): Promise<void> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  const etags = [];
  for (const [i, Body] of parts.entries()) {
    const out = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body }));
    etags.push({ ETag: out.ETag!, PartNumber: i + 1 });
  }
  await s3.send(
    new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: etags } }),
  );
}

/** A completed multipart object is kept as its parts (no copy); reads must stitch them exactly. */
test("multipart objects kept as parts: ranges across part boundaries, copy, and replace during a read", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "ext" }));
  const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB + 7), randomBytes(1234)];
  const whole = Buffer.concat(parts);
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "ext", Key: "m" }));
  // Part 2 is uploaded twice: only the second version may end up in the object.
  await s3.send(
    new UploadPartCommand({ Bucket: "ext", Key: "m", UploadId, PartNumber: 2, Body: randomBytes(5 * MiB) }),
  );
  const etags = await Promise.all(
    parts.map(async (Body, i) => {
      const out = await s3.send(
        new UploadPartCommand({ Bucket: "ext", Key: "m", UploadId, PartNumber: i + 1, Body }),
      );
      return { ETag: out.ETag!, PartNumber: i + 1 };
    }),
  );
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: "ext",
      Key: "m",
      UploadId,
      MultipartUpload: { Parts: etags },
    }),
  );
  const get = async (key: string, Range?: string) =>
    Buffer.from(
      await (
        await s3.send(new GetObjectCommand({ Bucket: "ext", Key: key, Range }))
      ).Body!.transformToByteArray(),
    );
  assert.ok((await get("m")).equals(whole));
  const spans: [number, number][] = [
    [5 * MiB - 3, 5 * MiB + 2],
    [0, 10 * MiB + 10],
    [10 * MiB + 7, whole.length - 1],
    [5 * MiB, 5 * MiB],
  ];
  for (const [start, end] of spans)
    assert.ok(
      (await get("m", `bytes=${start}-${end}`)).equals(whole.subarray(start, end + 1)),
      `${start}-${end}`,
    );

  // The data directory holds exactly the chosen parts; superseded parts and upload descriptions are gone.
  const dataDir = join(ep.dataDir, "buckets", "ext", "data");
  const [objectDir] = (await readdir(dataDir)).filter((n) => n.startsWith("m-"));
  assert.equal((await readdir(join(dataDir, objectDir!))).length, 3);

  await s3.send(new CopyObjectCommand({ Bucket: "ext", Key: "copy", CopySource: "ext/m" }));
  assert.ok((await get("copy")).equals(whole));

  // Replacing the object while a GET streams it: the reader still gets every old byte, then the parts go.
  const reading = await s3.send(new GetObjectCommand({ Bucket: "ext", Key: "m" }));
  await s3.send(new PutObjectCommand({ Bucket: "ext", Key: "m", Body: "new" }));
  assert.ok(Buffer.from(await reading.Body!.transformToByteArray()).equals(whole));
  assert.equal((await get("m")).toString(), "new");
  const deadline = Date.now() + 10_000;
  while ((await readdir(dataDir)).includes(objectDir!)) {
    assert.ok(Date.now() < deadline, "replaced parts are removed once the read is done");
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok((await get("copy")).equals(whole), "the copy's hard links survive the original's removal");
});

/** A GET reuses two buffers per response (send-range.ts): a client that leaves midway must still let go of the object. */
test("a GET the client abandons midway releases the object, and the next GET is whole", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "gone" }));
  const parts = [
    randomBytes(5 * MiB),
    randomBytes(5 * MiB),
    randomBytes(5 * MiB),
    randomBytes(5 * MiB),
    randomBytes(99),
  ];
  await uploadInParts(s3, "gone", "big", parts);
  const dataDir = join(ep.dataDir, "buckets", "gone", "data");
  const [objectDir] = (await readdir(dataDir)).filter((n) => n.startsWith("m-"));

  const reading = await s3.send(new GetObjectCommand({ Bucket: "gone", Key: "big" }));
  for await (const chunk of reading.Body as AsyncIterable<Buffer>) {
    assert.ok(chunk.length > 0);
    break; // leaves the rest unread: the SDK's response stream is destroyed, and with it the connection
  }
  const whole = Buffer.concat(parts);
  const again = await s3.send(new GetObjectCommand({ Bucket: "gone", Key: "big" }));
  assert.ok(Buffer.from(await again.Body!.transformToByteArray()).equals(whole), "the next GET is whole");

  // Replaced: the old parts are removed only once every reader has let go, the abandoned one included.
  await s3.send(new PutObjectCommand({ Bucket: "gone", Key: "big", Body: "new" }));
  const deadline = Date.now() + 10_000;
  while ((await readdir(dataDir)).includes(objectDir!)) {
    assert.ok(Date.now() < deadline, "the abandoned GET released the object's parts");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
});

/** What a crash between a rename into data/ and the index commit leaves behind is removed when the bucket opens. */
test("data no key points at is removed when the bucket opens; every object stays whole", async (t) => {
  const first = await startTestEndpoint(t);
  const s3 = first.client();
  await s3.send(new CreateBucketCommand({ Bucket: "orph" }));
  const small = randomBytes(1000);
  await s3.send(new PutObjectCommand({ Bucket: "orph", Key: "small", Body: small }));
  const parts = [randomBytes(5 * MiB), randomBytes(10)];
  await uploadInParts(s3, "orph", "multi", parts);
  await first.endpoint.close();

  const dataDir = join(first.dataDir, "buckets", "orph", "data");
  const kept = (await readdir(dataDir)).sort();
  assert.equal(kept.length, 2);
  await writeFile(join(dataDir, "o-0123456789abcdef0123456789abcdef"), "orphan");
  await mkdir(join(dataDir, "m-orphan"));
  await writeFile(join(dataDir, "m-orphan", "1"), "orphan part");
  await mkdir(join(dataDir, "ab"));
  await writeFile(join(dataDir, "ab", "ab0123456789abcdef0123456789abcd"), "orphan, first layout");

  const second = await startTestEndpoint(t, { dataDir: first.dataDir });
  const get = async (Key: string) =>
    Buffer.from(
      await (
        await second.client().send(new GetObjectCommand({ Bucket: "orph", Key }))
      ).Body!.transformToByteArray(),
    );
  assert.ok((await get("small")).equals(small));
  assert.ok((await get("multi")).equals(Buffer.concat(parts)));
  assert.deepEqual((await readdir(dataDir)).sort(), [...kept, "ab"].sort());
  assert.deepEqual(await readdir(join(dataDir, "ab")), []);
});
