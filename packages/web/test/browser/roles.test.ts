/**
 * The UI follows the user's role: a viewer who logs in with a password sees the pipelines and runs but no
 * trigger, pause, approve, cancel or rerun button, and no agent management; an operator sees the buttons, and
 * triggering works (the UI sends the session's CSRF token with its writes).
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ApiRoutes } from "@fawkes/protocol";
import { createGitRepo, startFawkes, waitForRun, yamlString } from "@fawkes/testing";
import type { Page } from "playwright-core";
import { launchBrowser, withFailureScreenshot } from "./support.ts";

const pipelineYaml = (repo: string) => `format_version: 10
pipelines:
  web-app:
    group: delivery
    materials:
      app: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - build: {jobs: {compile: {tasks: [{exec: {command: "true"}}]}}}
      - ship: {approval: {type: manual}, jobs: {deploy: {tasks: [{exec: {command: "true"}}]}}}
`;

const PASSWORD = "a password long enough";

async function logIn(page: Page, url: string, user: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("User").fill(user);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("navigation", { name: "Main" }).waitFor();
}

test(
  "a viewer sees no trigger, approve, cancel or pause button; an operator does",
  { timeout: 90_000 },
  async (t) => {
    const repo = await createGitRepo(t, { "README.md": "app\n" });
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "ci.gocd.yaml": pipelineYaml(repo.path) },
      expectPipelines: ["web-app"],
    });
    const { server } = fawkes;
    for (const [name, role] of [
      ["vera", "viewer"],
      ["otto", "operator"],
    ])
      assert.equal(
        (
          await fetch(server.url + ApiRoutes.users, {
            method: "POST",
            headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
            body: JSON.stringify({ name, role, password: PASSWORD }),
          })
        ).status,
        201,
      );
    // A run waiting for approval: the run page would offer Approve and Rerun to an operator.
    await fawkes.cliOk(["trigger", "web-app"]);
    await waitForRun(fawkes.api, "web-app", 1, (run) => run.awaitingApproval === "ship");

    const context = await launchBrowser(t);
    const page = context.pages()[0] ?? (await context.newPage());
    await fawkes.diagnose(() =>
      withFailureScreenshot(page, "roles-viewer", async () => {
        await logIn(page, server.url, "vera");
        const card = page.locator('article[data-pipeline="web-app"]');
        await card.locator('li[data-stage="build"][data-state="passed"]').waitFor();
        assert.equal(await card.getByRole("button").count(), 0, "the viewer's card has buttons");
        await page.goto(`${server.url}/pipelines/web-app/1`);
        await page.getByRole("heading", { level: 3, name: "build" }).waitFor();
        await page.getByText("waits for manual approval").waitFor();
        for (const name of [/Approve/, /Rerun/, /Cancel/, /Trigger/, /Pause/])
          assert.equal(
            await page.getByRole("button", { name }).count(),
            0,
            `the viewer sees ${String(name)}`,
          );
        await page.goto(`${server.url}/agents`);
        await page.locator('tr[data-agent="agent-1"]').waitFor();
        for (const name of [/Disable/, /Enable/, /Delete/, /Edit resources/])
          assert.equal(
            await page.getByRole("button", { name }).count(),
            0,
            `the viewer sees ${String(name)}`,
          );
        await page.getByRole("button", { name: /Log out/ }).click();
      }),
    );

    await fawkes.diagnose(() =>
      withFailureScreenshot(page, "roles-operator", async () => {
        await logIn(page, server.url, "otto");
        const card = page.locator('article[data-pipeline="web-app"]');
        await card.getByRole("button", { name: "Approve ship of web-app" }).click();
        await waitForRun(fawkes.api, "web-app", 1, (run) => run.result === "passed");
        await card.getByRole("button", { name: "Trigger web-app", exact: true }).click();
        const run = await waitForRun(
          fawkes.api,
          "web-app",
          2,
          (candidate) => candidate.awaitingApproval === "ship",
        );
        assert.equal(run.trigger.kind, "manual");
        // Agents stay an administrator's.
        await page.goto(`${server.url}/agents`);
        await page.locator('tr[data-agent="agent-1"]').waitFor();
        assert.equal(await page.getByRole("button", { name: /Disable/ }).count(), 0);
      }),
    );
  },
);
