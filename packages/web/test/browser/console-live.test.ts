/**
 * The job console live: open a running job's page and watch its lines arrive without a reload (line 1 while
 * the job still runs, then line 30), then use a line anchor and search.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { createGitRepo, startFawkes, waitFor, yamlString } from "@fawkes/testing";
import { openUi, withFailureScreenshot } from "./support.ts";

const LINES = 30;
const pipelineYaml = (repo: string) => `format_version: 10
pipelines:
  console-live:
    group: ui
    materials:
      app: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - build:
          jobs:
            print:
              tasks:
                - exec: {command: sh, arguments: ["-c", "for i in $(seq 1 ${LINES}); do printf '\\\\033[32mline %s\\\\033[0m\\\\n' $i; sleep 0.1; done"]}
`;

test("the console shows lines as the job prints them", { timeout: 90_000 }, async (t) => {
  const repo = await createGitRepo(t, { "README.md": "console\n" });
  const fawkes = await startFawkes(t, {
    pipelineFiles: { "console.gocd.yaml": pipelineYaml(repo.path) },
    expectPipelines: ["console-live"],
  });
  const ui = await openUi(t, fawkes.server);
  const { page } = ui;
  await fawkes.diagnose(() =>
    withFailureScreenshot(page, "console-live", async () => {
      const { counter } = await fawkes.api.trigger("console-live");
      await ui.markDocument();
      // Client-side navigation to the job page (the router reacts to popstate). The stage counter is 1: the
      // shell's router does not accept "latest" in page URLs (the console API does).
      await page.evaluate((url) => {
        history.pushState(null, "", url);
        window.dispatchEvent(new PopStateEvent("popstate"));
      }, `/pipelines/console-live/${counter}/build/latest/print`);
      const viewport = page.getByRole("region", { name: /^Console log of console-live/ });
      // The agent prints its own lines first; find the job's lines by their text.
      const row = (n: number) =>
        viewport.locator(".fk-console-row").filter({ has: page.getByText(`line ${n}`, { exact: true }) });

      await row(1).waitFor({ timeout: 30_000 });
      const run = await fawkes.api.run("console-live", counter);
      const job = run.stages[0]?.jobs[0];
      assert.notEqual(job?.state, "completed", "line 1 is visible while the job still runs");
      assert.match((await row(1).locator(".fk-console-ts").innerText()).trim(), /^\d\d:\d\d:\d\d\.\d{3}$/);
      // ANSI colour rendered as a style, not as escape text.
      const color = await row(1)
        .locator(".fk-console-text span")
        .first()
        .evaluate((el) => getComputedStyle(el).color);
      assert.notEqual(color, "rgb(215, 218, 224)", "green, not the default foreground");

      await row(LINES).waitFor({ timeout: 30_000 });
      await ui.assertNotReloaded();
      await page.getByText("Log complete").waitFor({ timeout: 30_000 });
      await ui.screenshot("console-live");

      // Line anchors: clicking a number puts #L<n> in the URL and highlights the line.
      const anchorLine = Number(await row(5).getAttribute("data-line"));
      await row(5).locator(".fk-console-ln").click();
      assert.ok(page.url().endsWith(`#L${anchorLine}`), page.url());
      await viewport.locator(`.fk-console-row-selected[data-line="${anchorLine}"]`).waitFor();

      // Search (case-insensitive) marks the match and names its line.
      const line17 = Number(await row(17).getAttribute("data-line"));
      await page.getByRole("searchbox", { name: "Search the log" }).fill("LINE 17");
      await viewport.locator(`.fk-console-row-current[data-line="${line17}"] mark`).waitFor();
      await page.getByText(`Line ${line17}`, { exact: true }).waitFor();

      // Opening a #L link highlights that line again after a reload.
      await page.reload();
      await page.getByRole("navigation", { name: "Main" }).waitFor();
      await waitFor(
        async () =>
          (await viewport.locator(`.fk-console-row-selected[data-line="${anchorLine}"]`).count()) === 1,
        { timeoutMs: 20_000, message: `line ${anchorLine} highlighted after opening the #L link` },
      );
    }),
  );
});
