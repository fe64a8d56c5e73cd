import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import {
  instanceIdentityKey,
  signInstanceIdentity,
  verifiedInstanceId,
} from "../../src/instances/identity.ts";

test("a signed identity document names its instance; a changed document or another key does not", () => {
  const key = instanceIdentityKey(randomBytes(32));
  const document = JSON.stringify({ instanceId: "i-0123456789abcdef0", privateIp: "127.100.0.7" });
  const signature = signInstanceIdentity(key, document);
  assert.equal(verifiedInstanceId(key, document, signature), "i-0123456789abcdef0");
  assert.equal(verifiedInstanceId(key, document.replace("0.7", "0.8"), signature), undefined);
  assert.equal(verifiedInstanceId(instanceIdentityKey(randomBytes(32)), document, signature), undefined);
  assert.equal(verifiedInstanceId(key, "not json", signInstanceIdentity(key, "not json")), undefined);
  assert.equal(verifiedInstanceId(key, document, ""), undefined);
});
