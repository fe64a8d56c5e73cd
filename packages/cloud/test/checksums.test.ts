import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { Crc32c, Crc64Nvme as SdkCrc64Nvme } from "@aws-sdk/checksums/crc";
import { checksumOf, createChecksummer } from "../src/checksums/checksum.ts";
import { crc32c } from "../src/checksums/crc32c.ts";

const hex = (base64: string) => Buffer.from(base64, "base64").toString("hex");

test("CRC-32C matches the catalogued check values", () => {
  const vectors: [string | Buffer, number][] = [
    ["", 0x00000000],
    ["123456789", 0xe3069283],
    ["a", 0xc1d04330],
    [Buffer.alloc(32, 0), 0x8a9136aa],
    [Buffer.alloc(32, 0xff), 0x62a8ab43],
    [Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
  ];
  for (const [input, expected] of vectors) assert.equal(crc32c(Buffer.from(input)), expected, String(input));
});

test("CRC-64/NVME matches the catalogued check values", () => {
  assert.equal(hex(checksumOf("crc64nvme", Buffer.from("123456789"))), "ae8b14860a799888");
  assert.equal(hex(checksumOf("crc64nvme", Buffer.alloc(0))), "0000000000000000");
});

test("incremental checksums equal one-shot ones and the AWS SDK's on random data split anywhere", async () => {
  for (let round = 0; round < 20; round++) {
    const data = randomBytes(1 + Math.floor(Math.random() * 5000));
    const cut = Math.floor(Math.random() * data.length);
    for (const algorithm of ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"] as const) {
      const summer = createChecksummer(algorithm);
      summer.update(data.subarray(0, cut));
      summer.update(data.subarray(cut));
      assert.equal(summer.digest().toString("base64"), checksumOf(algorithm, data), algorithm);
    }
    const sdkC = new Crc32c();
    sdkC.update(data);
    assert.equal(Buffer.from(await sdkC.digest()).toString("base64"), checksumOf("crc32c", data));
    const sdk64 = new SdkCrc64Nvme();
    sdk64.update(data);
    assert.equal(Buffer.from(await sdk64.digest()).toString("base64"), checksumOf("crc64nvme", data));
  }
});

test("CRC32 is the value the SDK sends for 'hello sdk' (nI//pQ==)", () => {
  assert.equal(checksumOf("crc32", Buffer.from("hello sdk")), "nI//pQ==");
});
