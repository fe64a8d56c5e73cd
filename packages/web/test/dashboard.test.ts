import assert from "node:assert/strict";
import { test } from "node:test";
import type { PipelineRunDto, PipelineSummaryDto, StageRunDto } from "@fawkes/protocol";
import {
  filterPipelines,
  groupPipelines,
  replacePipeline,
  rerunnableStage,
  stageBars,
} from "../src/dashboard/shape.ts";
import { buildTriggerRequest, initialVariableValue } from "../src/dashboard/trigger-request.ts";

const stage = (name: string, result: StageRunDto["result"], counter = 1): StageRunDto => ({
  name,
  counter,
  result,
  approvalType: "success",
  approvedBy: null,
  rerunOfCounter: null,
  scheduledAt: 0,
  completedAt: result === "building" ? null : 1000,
  jobs: [],
});

const run = (stages: StageRunDto[], extra: Partial<PipelineRunDto> = {}): PipelineRunDto => ({
  counter: 3,
  label: "3",
  result: "building",
  trigger: { kind: "manual", user: "admin" },
  stages,
  awaitingApproval: null,
  materials: [],
  createdAt: 0,
  ...extra,
});

const summary = (name: string, group: string, latest: PipelineRunDto | null = null): PipelineSummaryDto => ({
  name,
  group,
  paused: false,
  stages: ["build", "test", "deploy"],
  triggerVariables: [],
  latest,
});

test("groups keep the server's order and pipelines stay in order within a group", () => {
  const groups = groupPipelines([summary("a", "ci"), summary("b", "deploy"), summary("c", "ci")]);
  assert.deepEqual(
    groups.map((group) => [group.name, group.pipelines.map((pipeline) => pipeline.name)]),
    [
      ["ci", ["a", "c"]],
      ["deploy", ["b"]],
    ],
  );
});

test("one bar per configured stage, with not-run, awaiting and rerun states", () => {
  assert.deepEqual(
    stageBars(["build", "test"], null).map((bar) => bar.state),
    ["not-run", "not-run"],
  );
  const building = run([stage("build", "passed"), stage("test", "building")]);
  assert.deepEqual(
    stageBars(["build", "test", "deploy"], building).map((bar) => [bar.name, bar.state]),
    [
      ["build", "passed"],
      ["test", "building"],
      ["deploy", "not-run"],
    ],
  );
  const waiting = run([stage("build", "passed"), stage("test", "passed")], {
    awaitingApproval: "deploy",
    result: "passed",
  });
  assert.equal(stageBars(["build", "test", "deploy"], waiting)[2]?.state, "awaiting");
  // A rerun (counter 2) replaces the failed first attempt.
  const rerun = run([stage("build", "passed"), stage("test", "failed", 1), stage("test", "passed", 2)]);
  const test = stageBars(["build", "test"], rerun)[1];
  assert.equal(test?.state, "passed");
  assert.equal(test?.run?.counter, 2);
  // A stage that ran but was since removed from the config still shows.
  assert.deepEqual(
    stageBars(["build"], run([stage("build", "passed"), stage("old", "failed")])).map((bar) => bar.name),
    ["build", "old"],
  );
});

test("rerun offers the last failed or cancelled stage of a finished run", () => {
  assert.equal(rerunnableStage(null), undefined);
  assert.equal(rerunnableStage(run([stage("build", "failed")], { result: "building" })), undefined);
  assert.equal(
    rerunnableStage(run([stage("build", "passed"), stage("test", "failed")], { result: "failed" })),
    "test",
  );
  assert.equal(rerunnableStage(run([stage("build", "cancelled")], { result: "cancelled" })), "build");
  assert.equal(rerunnableStage(run([stage("build", "passed")], { result: "passed" })), undefined);
});

test("replacing one pipeline keeps every other object, so memoised rows skip rendering", () => {
  const list = Array.from({ length: 200 }, (_, index) => summary(`p${index}`, "g"));
  const next = replacePipeline(list, "p17", (pipeline) => ({ ...pipeline, paused: true }));
  assert.equal(next.length, 200);
  const changed = next.filter((pipeline, index) => pipeline !== list[index]);
  assert.deepEqual(
    changed.map((pipeline) => [pipeline.name, pipeline.paused]),
    [["p17", true]],
  );
});

test("the filter matches pipeline and group names, case-insensitively", () => {
  const list = [summary("Web-App", "ci"), summary("db", "Deploy")];
  assert.equal(filterPipelines(list, ""), list);
  assert.deepEqual(
    filterPipelines(list, "web").map((pipeline) => pipeline.name),
    ["Web-App"],
  );
  assert.deepEqual(
    filterPipelines(list, " deploy ").map((pipeline) => pipeline.name),
    ["db"],
  );
});

test("trigger options become a TriggerRequest: only declared variables whose field changed are sent", () => {
  const declared = [
    { name: "ENV", secure: false, value: "staging" },
    { name: "MIXED", secure: false, value: null },
    { name: "TOKEN", secure: true, value: null },
    { name: "UNTOUCHED", secure: false, value: "keep" },
  ];
  assert.deepEqual(
    buildTriggerRequest({ app: " abc123 ", lib: "" }, declared, {
      ENV: "prod",
      MIXED: "",
      TOKEN: "s3cret",
      UNTOUCHED: "keep",
      // Edited, then the config stopped declaring it: its field is gone, so is the value.
      GONE: "x",
    }),
    { revisions: { app: "abc123" }, variables: { ENV: "prod", TOKEN: "s3cret" } },
  );
  // A plain variable can be overridden with an empty value; an untouched form sends no variable.
  assert.deepEqual(buildTriggerRequest({}, declared, { ENV: "" }).variables, { ENV: "" });
  assert.deepEqual(buildTriggerRequest({}, declared, {}).variables, {});
  assert.equal(initialVariableValue(declared[0]!), "staging");
  assert.equal(initialVariableValue({ name: "TOKEN", secure: true, value: "never shown" }), "");
});
