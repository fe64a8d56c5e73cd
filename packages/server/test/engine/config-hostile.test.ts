/**
 * Hostile config files committed to a config repository (a file just under the size limit, one over it, an
 * alias bomb, 10,000 levels of nesting): each is reported with its file, valid pipelines keep loading, and the
 * API keeps answering throughout, since parsing happens in its own process. How fast it answers meanwhile is a
 * bench figure (bench/timing-bounds.ts), not a timed test.
 */
import assert from "node:assert/strict";
import test from "node:test";
import type { ConfigHealthDto, PipelineListDto } from "@fawkes/protocol";
import {
  createGitRepo,
  hostileConfigFiles,
  startServerProcess,
  steadyPipeline,
  waitFor,
} from "@fawkes/testing";

const LIMIT = 1024 * 1024;

test(
  "hostile config files are reported with file and limit while the API keeps answering",
  { timeout: 120_000 },
  async (t) => {
    const config = await createGitRepo(t, { "steady.gocd.yaml": steadyPipeline("steady") });
    const server = await startServerProcess(t, { pipelines: [config.url] });
    const { api } = server;
    const names = async () =>
      (await api.get<PipelineListDto>("/api/v1/pipelines")).pipelines.map((p) => p.name);
    await waitFor(async () => ((await names()).includes("steady") ? true : undefined), {
      message: "the steady pipeline",
    });

    const files = hostileConfigFiles(LIMIT);
    await config.commit(files, "hostile config");
    await api.notify(config.url);

    // Probe health back to back until the config errors are in: every probe must be answered, with 200.
    const answers: number[] = [];
    const errors = await waitFor(
      async () => {
        for (let i = 0; i < 10; i++) {
          const health = await fetch(`${server.url}/api/v1/health`).catch(() => null);
          await health?.arrayBuffer();
          answers.push(health?.status ?? 0);
        }
        const found = (await api.get<ConfigHealthDto>("/api/v1/config/errors")).errors;
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 0, message: "the config errors" },
    );
    assert.ok(answers.length >= 10, "health was probed while the config was parsed");
    assert.deepEqual(
      answers.filter((status) => status !== 200),
      [],
      "every health probe was answered with 200",
    );

    const byFile = new Map(errors.map((error) => [error.file.replace(/^.*\//, ""), error]));
    assert.deepEqual([...byFile.keys()].sort(), ["bomb.gocd.yaml", "deep.gocd.yaml", "over.gocd.yaml"]);
    assert.equal(
      byFile.get("over.gocd.yaml")!.message,
      `file is ${Buffer.byteLength(files["over.gocd.yaml"]!)} bytes, over the limit of ${LIMIT} bytes (--config-max-bytes)`,
    );
    assert.match(byFile.get("bomb.gocd.yaml")!.message, /aliases expand the document by more than/);
    assert.match(byFile.get("deep.gocd.yaml")!.message, /nesting deeper than 100 levels/);
    assert.deepEqual((await names()).sort(), ["added", "steady"]);
    t.diagnostic(`health answered ${answers.length} probes while the config was parsed`);
  },
);
