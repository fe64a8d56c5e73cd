/**
 * Config health: a bad commit to a config repository, announced with notify, shows the banner and the error
 * (file:line:column) on an open page without a reload.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { createGitRepo, startServerProcess } from "@fawkes/testing";
import { assertAccessible, openUi, withFailureScreenshot } from "./support.ts";

const pipelineYaml = `format_version: 10
pipelines:
  from-repo:
    group: configured
    materials:
      app: {git: /nonexistent/repo, branch: main, auto_update: false}
    stages:
      - s: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`;

test(
  "a bad commit to a config repository appears live in the banner and on the config page",
  { timeout: 60_000 },
  async (t) => {
    const config = await createGitRepo(t, { "ci.gocd.yaml": pipelineYaml });
    const server = await startServerProcess(t, { pipelines: [config.url] });
    const ui = await openUi(t, server);
    const { page } = ui;
    await withFailureScreenshot(page, "config-health", async () => {
      await page.locator('article[data-pipeline="from-repo"]').waitFor();
      const banner = page.getByRole("alert").filter({ hasText: "configuration error" });
      assert.equal(await banner.count(), 0);
      await ui.markDocument();

      await config.commit(
        { "ci.gocd.yaml": pipelineYaml.replace("    stages:", "    stagez:") },
        "break the config",
      );
      await server.api.notify(config.url);

      await banner.waitFor({ timeout: 30_000 });
      await ui.screenshot("config-banner");
      await banner.getByRole("link", { name: "See config health" }).click();
      const location = page.locator(".config-error-location");
      await location.first().waitFor();
      assert.match(await location.first().innerText(), /ci\.gocd\.yaml:\d+:\d+: .*stagez/);
      assert.equal(await page.title(), "Config health · Fawkes");
      await page.getByRole("link", { name: "from-repo" }).waitFor();
      await ui.assertNotReloaded();
      await assertAccessible(page, "config health with an error and its banner");
      await ui.screenshot("config-health");
    });
  },
);
