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
      // Every problem of the file at once (the typo, and so no stages): the typo's names its file, line and column.
      const location = page.locator(".config-error-location").filter({ hasText: "stagez" });
      await location.first().waitFor();
      assert.match(await location.first().innerText(), /ci\.gocd\.yaml:\d+:\d+: .*stagez/);
      assert.equal(await page.title(), "Config health · Fawkes");
      await page.getByRole("link", { name: "from-repo" }).first().waitFor();
      await ui.assertNotReloaded();
      await assertAccessible(page, "config health with an error and its banner");
      await ui.screenshot("config-health");
    });
  },
);

const neverValid = `  bad:
    group: configured
    materials:
      app: {git: /nonexistent/repo, branch: main, auto_update: false}
    stagez: []
`;

test(
  "config health tells pipelines running a last valid version from names that never had one",
  { timeout: 60_000 },
  async (t) => {
    const config = await createGitRepo(t, { "ci.gocd.yaml": pipelineYaml });
    const server = await startServerProcess(t, { pipelines: [config.url] });
    const ui = await openUi(t, server, "/config");
    const { page } = ui;
    await withFailureScreenshot(page, "config-health-never-valid", async () => {
      await page.getByText("Every pipeline configuration file is valid.").waitFor();
      const banner = page.getByRole("alert").filter({ hasText: "configuration error" });

      // A new pipeline that never had a valid version: nothing keeps running, and it has no page.
      await config.commit({ "ci.gocd.yaml": pipelineYaml + neverValid }, "add a broken pipeline");
      await server.api.notify(config.url);
      await banner.waitFor({ timeout: 30_000 });
      const bannerText = await banner.innerText();
      assert.match(bannerText, /bad has no valid version and is not loaded/);
      assert.doesNotMatch(bannerText, /keeps running/);
      await page.locator(".config-error").first().waitFor();
      // One mark per problem of `bad` (its typo and its missing stages are both reported).
      await page.getByText("(not loaded: no valid version)").first().waitFor();
      assert.equal(await page.getByRole("link", { name: "bad", exact: true }).count(), 0);

      // Break the pipeline that had a valid version too: it keeps running it, and links to its page.
      await config.commit(
        { "ci.gocd.yaml": pipelineYaml.replace("    stages:", "    stagez:") + neverValid },
        "break the configured pipeline too",
      );
      await server.api.notify(config.url);
      await banner.filter({ hasText: "keeps running the last valid version of from-repo" }).waitFor();
      assert.match(await banner.innerText(), /bad has no valid version and is not loaded/);
      await page.getByRole("link", { name: "from-repo", exact: true }).first().waitFor();
      assert.equal(await page.getByRole("link", { name: "bad", exact: true }).count(), 0);
      await assertAccessible(page, "config health with a never-valid pipeline");
    });
  },
);
