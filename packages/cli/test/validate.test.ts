import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { bundledExampleDir } from "../src/example-repo.ts";
import { cli, tempDir } from "./helpers.ts";

const exampleConfig = join(bundledExampleDir, "ci.gocd.yaml");

test("validate accepts the bundled example's pipeline", async () => {
  const run = await cli(["validate", exampleConfig]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /1 file\(s\) valid: 1 pipeline\(s\) \(dummy-application\)/);
  const json = await cli(["validate", "--json", exampleConfig]);
  assert.equal(json.code, 0);
  assert.deepEqual(JSON.parse(json.stdout), {
    pipelines: ["dummy-application"],
    environments: [],
    issues: [],
  });
});

test("validate reports file:line:column: message and exits 1", async (t) => {
  const dir = tempDir(t);
  const bad = join(dir, "bad.gocd.yaml");
  writeFileSync(
    bad,
    [
      "format_version: 10",
      "pipelines:",
      "  broken:",
      "    group: g",
      "    materials:",
      "      app:",
      "        git: .",
      "    stages:",
      "      - test:",
      "          jobs:",
      "            unit:",
      "              tasks:",
      "                - exec: {command: true}",
      "                  bogus_task_key: 1",
      "",
    ].join("\n"),
  );
  const run = await cli(["validate", bad]);
  assert.equal(run.code, 1);
  const lines = run.stdout.trim().split("\n");
  assert.ok(lines.length >= 1);
  for (const line of lines)
    assert.match(line, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:\\d+:\\d+: .+`));
  const json = await cli(["validate", "--json", bad]);
  assert.equal(json.code, 1);
  const parsed = JSON.parse(json.stdout) as {
    issues: { file: string; line: number; column: number; message: string }[];
  };
  assert.ok(parsed.issues.length >= 1);
  assert.equal(parsed.issues[0]?.file, bad);
  assert.ok((parsed.issues[0]?.line ?? 0) >= 1);
});

test("validate on a missing file exits 1 with the path", async () => {
  const run = await cli(["validate", "/nonexistent/ci.gocd.yaml"]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^fawkes: cannot read \/nonexistent\/ci\.gocd\.yaml/);
});
