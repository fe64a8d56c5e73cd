import assert from "node:assert/strict";
import { test } from "node:test";
import { increment } from "../src/increment.ts";

test("increment adds one", () => {
  assert.equal(increment(1), 2);
  assert.equal(increment(-1), 0);
  assert.equal(increment(41), 42);
});
