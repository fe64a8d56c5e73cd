/**
 * The dashboard live: a pipeline triggered with its button shows its stage bars go from "not run" through
 * "building" to "passed" without a reload; then the run, job and history pages of that run.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { createGitRepo, startFawkes, waitForRun, yamlString } from "@fawkes/testing";
import { assertNoHorizontalOverflow, openUi, PHONE, withFailureScreenshot } from "./support.ts";

const pipelineYaml = (repo: string) => `format_version: 10
pipelines:
  web-app:
    group: delivery
    environment_variables: {GREETING: hi}
    secure_variables: {DEPLOY_TOKEN: declared-token-value}
    materials:
      app: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - build: {jobs: {compile: {tasks: [{exec: {command: sh, arguments: ["-c", "echo compiling greeting=$GREETING token=$DEPLOY_TOKEN; mkdir -p out; echo jar > out/app.jar"]}}], artifacts: [{build: {source: out, destination: pkg}}]}}}
      - test: {jobs: {unit: {tasks: [{exec: {command: sh, arguments: ["-c", "echo testing; sleep 1; echo done"]}}]}}}
  other:
    group: ops
    materials:
      app: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - check: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`;

test(
  "trigger from the dashboard and watch the stage bars turn passed live",
  { timeout: 60_000 },
  async (t) => {
    const repo = await createGitRepo(t, { "README.md": "app\n" });
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "ci.gocd.yaml": pipelineYaml(repo.path) },
      expectPipelines: ["web-app", "other"],
    });
    const ui = await openUi(t, fawkes.server);
    const { page } = ui;
    await fawkes.diagnose(() =>
      withFailureScreenshot(page, "dashboard", async () => {
        assert.equal(await page.title(), "Dashboard · Fawkes");
        const card = page.locator('article[data-pipeline="web-app"]');
        await card.locator('li[data-stage="build"][data-state="not-run"]').waitFor();
        await assert.doesNotReject(page.getByRole("heading", { name: "delivery" }).waitFor());
        await ui.markDocument();

        await card.getByRole("button", { name: "Trigger web-app", exact: true }).click();
        // The run appears and goes through building (the test stage sleeps a second) to passed, all live.
        await card.locator('li[data-state="building"]').first().waitFor();
        await ui.screenshot("dashboard-building");
        await card.locator('li[data-stage="build"][data-state="passed"]').waitFor({ timeout: 45_000 });
        await card.locator('li[data-stage="test"][data-state="passed"]').waitFor({ timeout: 45_000 });
        assert.match(
          (await card.locator('li[data-stage="test"]').innerText()).replace(/\s+/g, " "),
          /test\s.*Passed/,
        );
        await ui.assertNotReloaded();
        const run = await waitForRun(fawkes.api, "web-app", 1, (candidate) => candidate.result === "passed");
        assert.equal(run.trigger.kind, "manual");
        await ui.screenshot("dashboard");

        await page.setViewportSize(PHONE);
        await assertNoHorizontalOverflow(page);
        await ui.screenshot("dashboard-phone");
        await page.setViewportSize({ width: 1280, height: 900 });

        // Run page (client-side navigation from the run label).
        await card.getByRole("link", { name: run.label, exact: true }).click();
        await page.getByRole("heading", { level: 3, name: "test" }).waitFor();
        await page.locator('tr[data-job="unit"][data-state="passed"]').waitFor();
        await page.getByRole("tab", { name: "Changes" }).waitFor();
        await ui.screenshot("run");
        await page.getByRole("tab", { name: "Value stream" }).click();
        await ui.screenshot("run-value-stream");

        // Job page: the artifacts tab lists what the job published.
        await page.getByRole("link", { name: "compile" }).click();
        await page.getByRole("tab", { name: "Console" }).waitFor();
        await ui.screenshot("job-console");
        await page.getByRole("tab", { name: "Artifacts" }).click();
        await page.getByRole("link", { name: "app.jar" }).waitFor();
        await ui.screenshot("job-artifacts");

        // History page.
        await page
          .getByRole("navigation", { name: "Breadcrumb" })
          .getByRole("link", { name: "web-app" })
          .click();
        await page.getByRole("row").filter({ hasText: "Manual by" }).first().waitFor();
        await ui.screenshot("pipeline-history");

        // Trigger with options: the declared variables are offered (the secure one as a password field with no
        // value), and overridden for this run only.
        await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard" }).click();
        await card.getByRole("button", { name: "Trigger web-app with options" }).click();
        const dialog = page.getByRole("dialog", { name: "Trigger web-app with options" });
        const greeting = dialog.getByLabel("GREETING", { exact: true });
        assert.equal(await greeting.inputValue(), "hi");
        const token = dialog.getByLabel("DEPLOY_TOKEN (secure)");
        assert.equal(await token.getAttribute("type"), "password");
        assert.equal(await token.inputValue(), "");
        assert.equal((await dialog.innerHTML()).includes("declared-token-value"), false);
        await greeting.fill("hello");
        await token.fill("typed-token-value");
        await ui.screenshot("trigger-dialog");
        await dialog.getByRole("button", { name: "Trigger", exact: true }).click();
        await dialog.waitFor({ state: "hidden" });
        await card.getByRole("link", { name: "2", exact: true }).waitFor();
        await waitForRun(fawkes.api, "web-app", 2, (candidate) => candidate.result === "passed");
        const compileLog = await fawkes.api.console("web-app", 2, "build", "compile");
        assert.match(compileLog, /compiling greeting=hello token=\*+/);
        assert.equal(compileLog.includes("typed-token-value"), false);

        // Pause with a reason, then unpause.
        await card.getByRole("button", { name: "Pause web-app" }).click();
        const pause = page.getByRole("dialog", { name: "Pause web-app" });
        await pause.getByLabel("Reason (optional)").fill("release freeze");
        await pause.getByRole("button", { name: "Pause", exact: true }).click();
        await card.getByText("Paused: release freeze").waitFor();
        assert.equal(
          await card.getByRole("button", { name: "Trigger web-app", exact: true }).isDisabled(),
          true,
        );
        await ui.screenshot("dashboard-paused");
        await card.getByRole("button", { name: "Unpause web-app" }).click();
        await card.getByRole("button", { name: "Pause web-app" }).waitFor();
        await ui.assertNotReloaded();
      }),
    );
  },
);
