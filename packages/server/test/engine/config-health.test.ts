/**
 * Config health tells the truth: a problem names which pipelines keep running their last valid version (they
 * exist) apart from names that never had a valid version (no page to link to), and each problem is logged once
 * per revision of its source, however many times that revision is loaded.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import type { ConfigHealthDto } from "@fawkes/protocol";
import { startFawkes, waitFor } from "@fawkes/testing";

const pipeline = (name: string, extra = "") => `format_version: 10
pipelines:
  ${name}:
    group: g${extra}
    materials:
      m: {git: /nonexistent/repo, branch: main, auto_update: false}
    stages:
      - s: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`;

const count = (text: string, needle: string) => text.split(needle).length - 1;

test(
  "config problems: last valid versions apart from names never loaded, each logged once",
  { timeout: 60_000 },
  async (t) => {
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "keep.gocd.yaml": pipeline("keep") },
      expectPipelines: ["keep"],
      agents: 0,
    });
    const { api, server } = fawkes;
    await fawkes.diagnose(async () => {
      const loads = () => count(server.output(), "config loaded");
      // `keep` breaks (its last valid version keeps running); `bad` never had a valid version.
      await writeFile(path.join(fawkes.pipelineDir, "keep.gocd.yaml"), pipeline("keep", "\n    stagez: []"));
      await writeFile(path.join(fawkes.pipelineDir, "bad.gocd.yaml"), pipeline("bad", "\n    stagez: []"));
      const health = await waitFor(
        async () => {
          const h = await api.get<ConfigHealthDto>("/api/v1/config/errors");
          const files = new Set(h.errors.map((e) => path.basename(e.file)));
          return files.has("keep.gocd.yaml") && files.has("bad.gocd.yaml") ? h : undefined;
        },
        { timeoutMs: 10_000, message: "both files' problems to be reported" },
      );
      // Each file has the same problems (its misspelt `stages`, reported in one pass).
      const problems = health.errors.length;
      const perFile = problems / 2;
      const byFile = (file: string) => health.errors.find((e) => path.basename(e.file) === file);
      assert.deepEqual(byFile("keep.gocd.yaml")?.pipelines, ["keep"]);
      assert.deepEqual(byFile("keep.gocd.yaml")?.lastValid, ["keep"], "keep runs its last valid version");
      assert.deepEqual(byFile("bad.gocd.yaml")?.pipelines, ["bad"]);
      assert.deepEqual(byFile("bad.gocd.yaml")?.lastValid, [], "bad has no valid version to keep running");

      // Each was logged when it appeared (a load per written file may log `keep` twice: two revisions).
      const logged = count(server.output(), "config issue: ");
      assert.ok(logged >= problems && logged <= problems + perFile, server.output());
      // The same revision loaded again (a commit's notify, watchers) logs nothing new.
      const before = loads();
      await api.notify(fawkes.pipelineDir);
      await waitFor(() => loads() > before, { timeoutMs: 10_000, message: "a reload" });
      await api.notify(fawkes.pipelineDir);
      await waitFor(() => loads() > before + 1, { timeoutMs: 10_000, message: "another reload" });
      const output = server.output();
      assert.equal(count(output, "config issue: "), logged, "no problem logged again:\n" + output);

      // A new revision that still has the problem logs it once more.
      await writeFile(path.join(fawkes.pipelineDir, "other.gocd.yaml"), pipeline("other"));
      await waitFor(
        async () => (await api.get<{ pipelines: unknown[] }>("/api/v1/pipelines")).pipelines.length === 2,
        {
          timeoutMs: 10_000,
          message: "the new revision to load",
        },
      );
      await waitFor(() => count(server.output(), "config issue: ") === logged + problems, {
        timeoutMs: 10_000,
        message: "both problems logged once for the new revision",
      });
    });
  },
);
