/**
 * The run page of a failed run shows every stage of the pipeline, "Not run" for those it never reached; a rerun
 * stage says "stage run 2" (not "run 2", which reads as a pipeline run); a running job says "Building" once; the
 * value stream map shows the whole status of a pipeline with a long name (the name gives way, not the status).
 */
import assert from "node:assert/strict";
import test from "node:test";
import { createGitRepo, startFawkes, waitForRun, yamlString } from "@fawkes/testing";
import { openUi, withFailureScreenshot } from "./support.ts";

const LONG = "dummy-application-with-a-long-name";

const pipelineYaml = (repo: string) => `format_version: 10
pipelines:
  ${LONG}:
    materials:
      app: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - build: {jobs: {compile: {tasks: [{exec: {command: "true"}}]}}}
      - test: {jobs: {unit: {tasks: [{exec: {command: sh, arguments: ["-c", "echo a test failed; exit 1"]}}]}}}
      - package: {jobs: {tar: {tasks: [{exec: {command: "true"}}]}}}
      - publish: {jobs: {upload: {tasks: [{exec: {command: "true"}}]}}}
  slow:
    materials:
      app: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - wait: {jobs: {sleeper: {tasks: [{exec: {command: sleep, arguments: ["60"]}}]}}}
`;

test(
  "a failed run's page shows every stage, reruns and running jobs in plain words",
  { timeout: 120_000 },
  async (t) => {
    const repo = await createGitRepo(t, { "README.md": "app\n" });
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "ci.gocd.yaml": pipelineYaml(repo.path) },
      expectPipelines: [LONG, "slow"],
      agents: 2,
    });
    const { api } = fawkes;
    await api.trigger(LONG);
    await waitForRun(api, LONG, 1, (run) => run.result === "failed");
    await api.rerun(LONG, 1, "test");
    await waitForRun(api, LONG, 1, (run) =>
      run.stages.some((stage) => stage.name === "test" && stage.counter === 2 && stage.result === "failed"),
    );
    await api.trigger("slow");
    await waitForRun(api, "slow", 1, (run) => run.stages[0]?.jobs[0]?.state === "building");

    const ui = await openUi(t, fawkes.server, `/pipelines/${LONG}/1`);
    const { page } = ui;
    await fawkes.diagnose(() =>
      withFailureScreenshot(page, "run-page", async () => {
        // Every configured stage, in config order; the two never reached say so.
        const sections = page.locator("section.stage-section");
        await page.locator('section[data-stage="publish"]').waitFor();
        assert.deepEqual(await sections.evaluateAll((all) => all.map((s) => s.getAttribute("data-stage"))), [
          "build",
          "test",
          "package",
          "publish",
        ]);
        for (const stage of ["package", "publish"]) {
          const section = page.getByRole("region", { name: stage, exact: true });
          assert.equal(await section.getAttribute("data-state"), "not-run");
          assert.match(await section.innerText(), /Not run[\s\S]*an earlier stage failed/);
        }
        // The rerun is "stage run 2", a rerun of stage run 1.
        const rerun = page.locator('section[data-stage="test"]');
        assert.match(await rerun.getByRole("heading").innerText(), /^test \(stage run 2\)$/);
        await rerun.getByText("rerun of stage run 1").waitFor();
        assert.equal(await page.getByText(/\(run \d+\)|rerun of run/).count(), 0);
        await ui.screenshot("run-failed-all-stages");
        // The same words on the job's page and on the dashboard's stage bar.
        await rerun.getByRole("link", { name: "unit" }).click();
        await page.getByRole("navigation", { name: "Breadcrumb" }).getByText("test (stage run 2)").waitFor();
        await page.goto(`${fawkes.server.url}/`);
        const bar = page.locator(`article[data-pipeline="${LONG}"] li[data-stage="test"]`);
        assert.match((await bar.getAttribute("title")) ?? "", /^test: failed, stage run 2\b/);
        await page.goto(`${fawkes.server.url}/pipelines/${LONG}/1`);

        // The value stream map: the long name is cut, the status is whole.
        await page.getByRole("tab", { name: "Value stream" }).click();
        const node = page.locator(".fk-vsm-run.fk-vsm-current");
        await node.waitFor();
        const status = node.locator(".fk-vsm-result");
        assert.equal((await status.innerText()).trim(), "✕ failed");
        const fits = await status.evaluate((element) => {
          const box = element.getBoundingClientRect();
          const row = (element.parentElement as HTMLElement).getBoundingClientRect();
          const card = (element.closest(".fk-vsm-node") as HTMLElement).getBoundingClientRect();
          return {
            right: box.right,
            row: row.right,
            card: card.right,
            clipped: element.scrollWidth > element.clientWidth,
          };
        });
        assert.ok(
          fits.right <= fits.row + 0.5 && fits.right <= fits.card,
          `status cut off: ${JSON.stringify(fits)}`,
        );
        assert.equal(fits.clipped, false);
        assert.equal(await node.locator(".fk-vsm-name-text").getAttribute("title"), LONG);
        await ui.screenshot("run-value-stream-long-name");

        // A running job: "Building", said once.
        await page.goto(`${fawkes.server.url}/pipelines/slow/1`);
        const row = page.locator('tr[data-job="sleeper"][data-state="building"]');
        await row.waitFor();
        const state = (await row.locator("td").first().innerText()).trim();
        assert.match(state, /Building$/);
        assert.equal(/building/i.test(state.replace(/Building$/, "")), false, `said twice: ${state}`);
      }),
    );
  },
);
