import assert from "node:assert/strict";
import { test } from "node:test";
import { parseResources } from "../src/agents/resources.ts";
import { tokenFromFragment } from "../src/auth/token-fragment.ts";
import { historyQuery } from "../src/history/history-query.ts";
import { artifactFileUrl, buildArtifactTree } from "../src/job/artifact-tree.ts";
import { stageSlots } from "../src/run/stage-slots.ts";
import {
  instanceDisplayState,
  isInProgress,
  isInstanceLive,
  stackDisplayState,
} from "../src/stacks/stack-states.ts";

test("the #token= fragment is taken out, other fragment parameters stay", () => {
  assert.deepEqual(tokenFromFragment("#token=abc"), { token: "abc", rest: "" });
  assert.deepEqual(tokenFromFragment("#token=a%2Bb&x=1"), { token: "a+b", rest: "#x=1" });
  assert.deepEqual(tokenFromFragment(""), { token: undefined, rest: "" });
  assert.deepEqual(tokenFromFragment("#token="), { token: undefined, rest: "" });
});

test("artifacts become a sorted tree with sizes; file URLs encode each segment", () => {
  const tree = buildArtifactTree([
    { path: "pkg/app.jar", size: 2000 },
    { path: "report.html", size: 10 },
    { path: "pkg/lib/z.so", size: 5 },
    { path: "pkg/lib/a.so", size: 5 },
    { path: "a dir/x", size: 1 },
  ]);
  assert.equal(tree.size, 2021);
  assert.deepEqual(
    tree.dirs.map((dir) => dir.name),
    ["a dir", "pkg"],
  );
  const pkg = tree.dirs[1];
  assert.equal(pkg?.size, 2010);
  assert.deepEqual(
    pkg?.dirs[0]?.files.map((file) => file.name),
    ["a.so", "z.so"],
  );
  assert.equal(pkg?.dirs[0]?.path, "pkg/lib");
  assert.deepEqual(
    tree.files.map((file) => file.path),
    ["report.html"],
  );
  assert.equal(
    artifactFileUrl("/api/v1/x/artifacts/*", "a dir/r#1.txt"),
    "/api/v1/x/artifacts/a%20dir/r%231.txt",
  );
});

test("resources are split on commas and spaces, without duplicates", () => {
  assert.deepEqual(parseResources(" docker, linux  firefox,,docker "), ["docker", "linux", "firefox"]);
  assert.deepEqual(parseResources(""), []);
});

test("history pages ask for one run more than they show", () => {
  assert.equal(historyQuery(1), "?limit=26&offset=0");
  assert.equal(historyQuery(3), "?limit=26&offset=50");
});

test("stack and instance statuses are coloured by outcome", () => {
  const cases: [string, string][] = [
    ["CREATE_IN_PROGRESS", "building"],
    ["DELETE_IN_PROGRESS", "building"],
    ["UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "building"],
    ["CREATE_COMPLETE", "passed"],
    ["UPDATE_COMPLETE", "passed"],
    ["CREATE_FAILED", "failed"],
    ["ROLLBACK_IN_PROGRESS", "failed"],
    ["ROLLBACK_COMPLETE", "failed"],
    ["UPDATE_ROLLBACK_COMPLETE", "failed"],
    ["DELETE_FAILED", "failed"],
    ["DELETE_COMPLETE", "cancelled"],
  ];
  for (const [status, state] of cases) assert.equal(stackDisplayState(status), state, status);
  assert.equal(isInProgress("ROLLBACK_IN_PROGRESS"), true);
  assert.equal(isInProgress("ROLLBACK_COMPLETE"), false);
  assert.deepEqual(["pending", "running", "shutting-down", "terminated"].map(instanceDisplayState), [
    "building",
    "passed",
    "scheduled",
    "cancelled",
  ]);
  assert.deepEqual(["pending", "running", "shutting-down", "terminated"].map(isInstanceLive), [
    true,
    true,
    false,
    false,
  ]);
});

test("the run page lists every configured stage, then stages that ran but are no longer configured", () => {
  const stage = (name: string, counter = 1) => ({
    name,
    counter,
    result: "failed" as const,
    approvalType: "success" as const,
    approvedBy: null,
    rerunOfCounter: null,
    scheduledAt: 0,
    completedAt: 1,
    jobs: [],
  });
  const run = {
    counter: 3,
    label: "3",
    result: "failed" as const,
    trigger: { kind: "manual" as const, user: "admin" },
    stages: [stage("build"), stage("old"), stage("test", 2)],
    awaitingApproval: null,
    materials: [],
    createdAt: 0,
  };
  const slots = stageSlots(["build", "test", "package"], run);
  assert.deepEqual(
    slots.map((slot) => [slot.name, slot.runs.map((ran) => ran.counter)]),
    [
      ["build", [1]],
      ["test", [2]],
      ["package", []],
      ["old", [1]],
    ],
  );
  // Before the pipeline list arrives: what ran, and the stage waiting for approval.
  assert.deepEqual(
    stageSlots(undefined, { ...run, awaitingApproval: "deploy" }).map((slot) => slot.name),
    ["build", "old", "test", "deploy"],
  );
});
