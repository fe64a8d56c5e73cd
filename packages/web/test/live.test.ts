import assert from "node:assert/strict";
import { test } from "node:test";
import { affects, parseServerEvent } from "../src/live/event-match.ts";
import { createKeyedDebouncer } from "../src/live/keyed-debouncer.ts";

test("a burst of events for one key runs its action once, after the delay", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const debouncer = createKeyedDebouncer(50);
  const calls: string[] = [];
  for (let index = 0; index < 5; index++) {
    debouncer.schedule("build", () => calls.push(`build#${index}`));
    t.mock.timers.tick(20);
  }
  debouncer.schedule("deploy", () => calls.push("deploy"));
  assert.equal(calls.length, 0);
  t.mock.timers.tick(49);
  assert.deepEqual(calls, ["build#4"]);
  t.mock.timers.tick(1);
  assert.deepEqual(calls, ["build#4", "deploy"]);
  assert.equal(debouncer.pending, 0);
});

test("cancel drops pending actions and flush runs them now", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const debouncer = createKeyedDebouncer(50);
  const calls: string[] = [];
  debouncer.schedule("a", () => calls.push("a"));
  debouncer.cancel();
  t.mock.timers.tick(100);
  assert.equal(calls.length, 0);
  debouncer.schedule("b", () => calls.push("b"));
  debouncer.schedule("c", () => calls.push("c"));
  debouncer.flush();
  assert.deepEqual(calls, ["b", "c"]);
  t.mock.timers.tick(100);
  assert.deepEqual(calls, ["b", "c"]);
});

test("server events are parsed defensively", () => {
  assert.deepEqual(parseServerEvent('{"type":"run","pipeline":"a","counter":2}'), {
    type: "run",
    pipeline: "a",
    counter: 2,
  });
  assert.deepEqual(parseServerEvent('{"type":"agent","agent":"x"}'), { type: "agent", agent: "x" });
  assert.deepEqual(parseServerEvent('{"type":"config"}'), { type: "config" });
  assert.deepEqual(parseServerEvent('{"type":"stack","stack":"web"}'), { type: "stack", stack: "web" });
  assert.equal(parseServerEvent('{"type":"stack","stack":7}'), undefined);
  assert.equal(parseServerEvent("not json"), undefined);
  assert.equal(parseServerEvent('{"type":"run","pipeline":"a"}'), undefined);
  assert.equal(parseServerEvent('{"type":"other"}'), undefined);
  assert.equal(parseServerEvent("null"), undefined);
});

test("views re-fetch only for events about what they show", () => {
  assert.equal(affects.stack("web")({ type: "stack", stack: "web" }), true);
  assert.equal(affects.stack("web")({ type: "stack", stack: "api" }), false);
  assert.equal(affects.stacks({ type: "stack", stack: "api" }), true);
  assert.equal(affects.stacks({ type: "config" }), false);
  const runEvent = { type: "run", pipeline: "a", counter: 2 } as const;
  assert.equal(affects.run("a", 2)(runEvent), true);
  assert.equal(affects.run("a", 3)(runEvent), false);
  assert.equal(affects.run("b", 2)(runEvent), false);
  assert.equal(affects.run("a", 3)({ type: "pipeline", pipeline: "a" }), true);
  assert.equal(affects.pipeline("a")(runEvent), true);
  assert.equal(affects.pipeline("b")(runEvent), false);
  assert.equal(affects.pipeline("b")({ type: "config" }), true);
  assert.equal(affects.agents({ type: "agent", agent: "x" }), true);
  assert.equal(affects.agents(runEvent), false);
  assert.equal(affects.config({ type: "config" }), true);
});
