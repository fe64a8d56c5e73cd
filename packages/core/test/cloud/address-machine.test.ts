import assert from "node:assert/strict";
import test from "node:test";
import { addressMachine, nextState, transition } from "@fawkes/core";
import { ErrorCode } from "@fawkes/protocol";

test("an address moves between instances while associated and is released only when not associated", () => {
  assert.equal(transition(addressMachine, "allocated", "associate"), "associated");
  assert.equal(transition(addressMachine, "associated", "associate"), "associated", "a move");
  assert.equal(transition(addressMachine, "associated", "disassociate"), "allocated");
  assert.equal(transition(addressMachine, "allocated", "release"), "released");
  assert.equal(nextState(addressMachine, "associated", "release"), undefined, "disassociate first");
  assert.equal(nextState(addressMachine, "allocated", "disassociate"), undefined);
  assert.throws(
    () => transition(addressMachine, "released", "associate"),
    (error: { code?: string; message?: string }) =>
      error.code === ErrorCode.illegalTransition &&
      /address that is released cannot associate/.test(error.message ?? ""),
  );
});
