/**
 * An audited change and its entry commit together: the server killed (SIGKILL, FAWKES_TEST_FAILPOINT) at each write
 * of a pause's step comes back with neither the pause nor its entry, and killed just after the COMMIT with both.
 * Runs on the suite's store (SQLite, or PostgreSQL under FAWKES_TEST_STORE=postgres).
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ApiRoutes, apiPath, type AuditListDto } from "@fawkes/protocol";
import { createGitRepo, startServerProcess, waitFor, writePipelineDir, yamlString } from "@fawkes/testing";

const pipelineYaml = (repo: string) => `
format_version: 10
pipelines:
  held:
    group: audit
    materials:
      src:
        git: ${yamlString(repo)}
        branch: main
        auto_update: false
    stages:
      - build:
          jobs:
            make:
              tasks:
                - exec:
                    command: "true"
`;

test(
  "a pause killed at any write of its step leaves no entry; killed after its commit, both",
  { timeout: 180_000 },
  async (t) => {
    const repo = await createGitRepo(t, { "README.md": "held\n" });
    const pipelines = await writePipelineDir(t, { "held.gocd.yaml": pipelineYaml(repo.path) });
    const server = await startServerProcess(t, { pipelines: [pipelines] });
    const { api } = server;
    const loaded = async () => {
      await waitFor(
        async () => (await api.request("GET", apiPath(ApiRoutes.pipelineStatus, { name: "held" }))).ok,
        {
          message: "pipeline held to load",
        },
      );
    };
    const pauses = async () =>
      (await api.get<AuditListDto>(`${ApiRoutes.audit}?action=pipeline.pause`)).entries.length;
    await loaded();

    const outcomes: string[] = [];
    // The pause's step writes three statements (the pipeline row ensured, updated, the entry); COMMIT follows.
    for (const failpoint of ["write:1", "write:2", "write:3", "commit:1", "write:4"]) {
      const before = await pauses();
      await server.restart({ NODE_ENV: "test", FAWKES_TEST_FAILPOINT: failpoint });
      await loaded();
      const armed = server.process;
      const answer = await api
        .request("POST", apiPath(ApiRoutes.pause, { name: "held" }), { body: { reason: failpoint } })
        .then((response) => response.status)
        .catch(() => "no answer");
      const killed = answer !== 204;
      if (killed)
        assert.equal((await armed.exited).signal, "SIGKILL", `${failpoint}: ${answer}\n${server.output()}`);
      await server.restart();
      await loaded();
      const paused = (await api.status("held", 1)).paused;
      const entries = (await pauses()) - before;
      assert.equal(entries, paused ? 1 : 0, `${failpoint}: paused ${paused}, ${entries} new entries`);
      outcomes.push(`${failpoint} ${killed ? "killed" : "answered"} ${paused ? "paused" : "not paused"}`);
      if (paused) {
        const resumed = await api.request("POST", apiPath(ApiRoutes.unpause, { name: "held" }));
        assert.equal(resumed.status, 204);
      }
    }
    assert.deepEqual(outcomes, [
      "write:1 killed not paused",
      "write:2 killed not paused",
      "write:3 killed not paused",
      "commit:1 killed paused",
      "write:4 answered paused",
    ]);
  },
);
