/**
 * A pipeline whose configuration is gone (its file no longer defines it) keeps its history readable but reads
 * as archived everywhere in the UI: "No longer configured" on its page and its runs' pages, with no Trigger,
 * Rerun or Approve button; on the dashboard it is listed apart, never among the configured groups with a
 * Trigger button.
 */
import assert from "node:assert/strict";
import test from "node:test";
import {
  createGitRepo,
  startAgentProcess,
  startServerProcess,
  waitFor,
  waitForAgent,
  waitForRun,
  withProcessOutput,
  yamlString,
} from "@fawkes/testing";
import { assertAccessible, openUi, withFailureScreenshot } from "./support.ts";

const kept = (app: string) => `  kept:
    group: delivery
    materials:
      app: {git: ${yamlString(app)}, branch: main, auto_update: false}
    stages:
      - s: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`;
const gone = (app: string) => `  gone:
    group: delivery
    materials:
      app: {git: ${yamlString(app)}, branch: main, auto_update: false}
    stages:
      - build: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
      - deploy: {approval: manual, jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`;
const config = (...pipelines: string[]) => `format_version: 10\npipelines:\n${pipelines.join("")}`;

test(
  "a pipeline no longer configured shows as archived, with no commands",
  { timeout: 120_000 },
  async (t) => {
    const app = await createGitRepo(t, { "README.md": "app\n" });
    const repo = await createGitRepo(t, { "ci.gocd.yaml": config(kept(app.path), gone(app.path)) });
    const server = await startServerProcess(t, { pipelines: [repo.url] });
    const agent = await startAgentProcess(t, {
      serverUrl: server.url,
      key: server.autoRegisterKey,
      name: "a1",
    });
    const { api } = server;
    await withProcessOutput(
      () => [server, agent],
      async () => {
        await waitForAgent(api, "a1", "idle", { agent });
        await waitFor(async () => (await api.status("gone")).pipeline === "gone", {
          message: "gone configured",
        });
        await api.trigger("gone");
        await waitForRun(api, "gone", 1, (run) => run.awaitingApproval === "deploy");

        // The config loses the pipeline.
        await repo.commit({ "ci.gocd.yaml": config(kept(app.path)) }, "drop the gone pipeline");
        await api.notify(repo.url);
        await waitFor(
          async () => {
            const { pipelines } = await api.get<{ pipelines: { name: string }[] }>("/api/v1/pipelines");
            const entry = pipelines.find((pipeline) => pipeline.name === "gone") as
              { archived?: unknown; configured?: unknown } | undefined;
            return entry === undefined || entry.archived === true || entry.configured === false;
          },
          { timeoutMs: 30_000, message: "the config without gone loaded" },
        );

        const ui = await openUi(t, server, "/pipelines/gone");
        const { page } = ui;
        await withFailureScreenshot(page, "archived-pipeline", async () => {
          // Its page: history readable, marked, no commands.
          await page.getByRole("link", { name: "1", exact: true }).waitFor();
          await page.locator(".page-heading").getByText("No longer configured").waitFor();
          assert.equal(await page.getByRole("button", { name: /Trigger|Pause|Rerun|Approve/ }).count(), 0);
          await assertAccessible(page, "an archived pipeline's page");
          await ui.screenshot("archived-pipeline");

          // Its run's page: every stage still shown, no Approve or Rerun.
          await page.getByRole("link", { name: "1", exact: true }).click();
          await page.locator('section[data-stage="deploy"][data-state="awaiting"]').waitFor();
          await page.getByText("it can no longer be triggered, rerun or approved").waitFor();
          assert.equal(await page.getByRole("button", { name: /Rerun|Approve|Cancel/ }).count(), 0);

          // The dashboard: the configured pipeline keeps its Trigger; the gone one is listed apart.
          await page
            .getByRole("navigation", { name: "Main" })
            .getByRole("link", { name: "Dashboard" })
            .click();
          await page.getByRole("button", { name: "Trigger kept", exact: true }).waitFor();
          const delivery = page.getByRole("region", { name: "delivery", exact: true });
          assert.equal(await delivery.locator('article[data-pipeline="gone"]').count(), 0);
          assert.equal(await page.getByRole("button", { name: "Trigger gone", exact: true }).count(), 0);
          // The server lists it apart (PipelineListDto.archived): the dashboard shows it after the groups.
          const card = page.locator('article[data-pipeline="gone"]');
          await page.getByRole("region", { name: "No longer configured" }).locator(card).waitFor();
        });
      },
    );
  },
);
