/** An invalid change keeps the last valid version running and is reported with file:line:column. */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import type { ConfigHealthDto } from "@fawkes/protocol";
import { startFawkes, waitFor } from "@fawkes/testing";

const valid = (command: string) => `format_version: 10
pipelines:
  keep:
    materials:
      self: {pipeline: other, stage: s}
    stages:
      - s: {jobs: {j: {tasks: [{exec: {command: ${command}}}]}}}
  other:
    materials:
      dep: {pipeline: keep, stage: s}
    stages:
      - s: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`;

test(
  "a broken config change is reported and the last valid pipeline stays",
  { timeout: 60_000 },
  async (t) => {
    const good = `format_version: 10
pipelines:
  keep:
    group: g1
    materials:
      m: {git: /nonexistent/repo, branch: main, auto_update: false}
    stages:
      - s: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`;
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "keep.gocd.yaml": good },
      expectPipelines: ["keep"],
      agents: 0,
    });
    const file = path.join(fawkes.pipelineDir, "keep.gocd.yaml");
    await fawkes.diagnose(async () => {
      await writeFile(file, good.replace("group: g1", "group: g1\n    stagez: []"));
      const health = await waitFor(
        async () => {
          const h = await fawkes.api.get<ConfigHealthDto>("/api/v1/config/errors");
          return h.errors.length > 0 ? h : undefined;
        },
        { timeoutMs: 10_000, message: "the config error to be reported" },
      );
      const error = health.errors[0]!;
      assert.equal(error.file, file);
      assert.equal(error.line, 5);
      assert.ok(error.column >= 1);
      assert.match(error.message, /stagez/);
      const list = await fawkes.api.get<{ pipelines: { name: string; group: string }[] }>(
        "/api/v1/pipelines",
      );
      assert.deepEqual(
        list.pipelines.map((p) => [p.name, p.group]),
        [["keep", "g1"]],
        "the last valid version is still loaded",
      );

      await writeFile(file, good.replace("group: g1", "group: g2"));
      await waitFor(
        async () => (await fawkes.api.get<ConfigHealthDto>("/api/v1/config/errors")).errors.length === 0,
        { timeoutMs: 10_000, message: "the error to clear" },
      );
      const fixed = await fawkes.api.get<{ pipelines: { name: string; group: string }[] }>(
        "/api/v1/pipelines",
      );
      assert.deepEqual(
        fixed.pipelines.map((p) => [p.name, p.group]),
        [["keep", "g2"]],
      );

      // A dependency cycle is an error on both pipelines, not a crash.
      await writeFile(file, valid('"true"'));
      await waitFor(
        async () =>
          (await fawkes.api.get<ConfigHealthDto>("/api/v1/config/errors")).errors.some((e) =>
            /cycle/i.test(e.message),
          ),
        { timeoutMs: 10_000, message: "a cycle error" },
      );
      assert.equal((await fetch(`${fawkes.server.url}/api/v1/health`)).status, 200);
    });
  },
);
