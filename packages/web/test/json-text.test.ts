import assert from "node:assert/strict";
import { test } from "node:test";
import { jsonText, parseJsonObject } from "../src/ui/json-text.ts";

test("a typed policy document must be a JSON object; the message says what is wrong", () => {
  assert.deepEqual(parseJsonObject('{"Version": "2012-10-17", "Statement": []}', "policy"), {
    Version: "2012-10-17",
    Statement: [],
  });
  assert.throws(() => parseJsonObject("{not json", "trust policy"), /^Error: The trust policy is not JSON: /);
  assert.throws(() => parseJsonObject("", "policy"), /The policy is not JSON/);
  for (const notAnObject of ["[]", "null", "42", '"text"'])
    assert.throws(() => parseJsonObject(notAnObject, "policy"), /The policy must be a JSON object/);
  assert.equal(jsonText({ a: [1] }), '{\n  "a": [\n    1\n  ]\n}');
});
