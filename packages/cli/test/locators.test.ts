import assert from "node:assert/strict";
import { test } from "node:test";
import { parseJobLocator, parseRunOrStageLocator, parseStageLocator } from "../src/locators.ts";
import { materialUrlOf } from "../src/commands/notify.ts";

test("job locators: stage counter defaults to latest, counters may be latest", () => {
  assert.deepEqual(parseJobLocator("app/3/test/unit"), {
    pipeline: "app",
    counter: 3,
    stage: "test",
    stageCounter: "latest",
    job: "unit",
  });
  assert.deepEqual(parseJobLocator("app/latest/test/2/unit"), {
    pipeline: "app",
    counter: "latest",
    stage: "test",
    stageCounter: 2,
    job: "unit",
  });
  for (const bad of ["app/3/test", "app/0/test/unit", "app/3//unit", "app/3/test/x/unit", "a/1/b/1/c/d"]) {
    assert.throws(() => parseJobLocator(bad), /is not PIPELINE/, bad);
  }
});

test("run and stage locators", () => {
  assert.deepEqual(parseRunOrStageLocator("app/7"), { pipeline: "app", counter: 7, stage: undefined });
  assert.deepEqual(parseRunOrStageLocator("app/7/deploy"), { pipeline: "app", counter: 7, stage: "deploy" });
  assert.deepEqual(parseStageLocator("app/7/deploy"), { pipeline: "app", counter: 7, stage: "deploy" });
  assert.throws(() => parseStageLocator("app/7"), /PIPELINE\/COUNTER\/STAGE/);
  assert.throws(() => parseRunOrStageLocator("app"), /PIPELINE\/COUNTER\[\/STAGE\]/);
});

test("notify keeps URLs and makes existing local paths absolute", () => {
  assert.equal(materialUrlOf("https://example.com/r.git"), "https://example.com/r.git");
  assert.equal(materialUrlOf("git@github.com:o/r.git"), "git@github.com:o/r.git");
  assert.equal(materialUrlOf("file:///srv/r"), "file:///srv/r");
  assert.equal(materialUrlOf(".", "/tmp"), "/tmp");
  assert.equal(materialUrlOf("does-not-exist-here", "/tmp"), "does-not-exist-here");
});
