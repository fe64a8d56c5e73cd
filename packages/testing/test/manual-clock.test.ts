import assert from "node:assert/strict";
import test from "node:test";
import { ManualClock } from "@fawkes/testing";

test("time stands still until advanced; due timers fire in time order at their own time", () => {
  const clock = new ManualClock(1_000);
  const fired: string[] = [];
  clock.after(300, () => fired.push(`b@${clock.now()}`));
  clock.after(100, () => fired.push(`a@${clock.now()}`));
  const cancel = clock.after(200, () => fired.push("cancelled"));
  cancel();
  assert.equal(clock.now(), 1_000);
  assert.equal(clock.pending, 2);
  clock.advance(250);
  assert.deepEqual(fired, ["a@1100"]);
  assert.equal(clock.now(), 1_250);
  clock.advance(50);
  assert.deepEqual(fired, ["a@1100", "b@1300"]);
  assert.equal(clock.pending, 0);
});

test("a repeating timer fires once per period crossed, until stopped; a timer set while firing waits its turn", () => {
  const clock = new ManualClock(0);
  const ticks: number[] = [];
  const stop = clock.every(100, () => {
    ticks.push(clock.now());
    if (clock.now() === 200) clock.after(0, () => ticks.push(-clock.now()));
  });
  clock.advance(350);
  assert.deepEqual(ticks, [100, 200, -200, 300]);
  stop();
  clock.advance(1_000);
  assert.deepEqual(ticks, [100, 200, -200, 300]);
  assert.throws(() => clock.advance(-1), /forward/);
  assert.throws(() => clock.every(0, () => {}), /positive period/);
});
