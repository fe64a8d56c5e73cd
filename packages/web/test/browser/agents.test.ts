/** The agents page: a pending agent becomes idle after a click on Enable, without a reload. */
import test from "node:test";
import { startAgentProcess, startFawkes } from "@fawkes/testing";
import { openUi, withFailureScreenshot } from "./support.ts";

const pipelineYaml = `format_version: 10
pipelines:
  noop:
    materials:
      app: {git: /nonexistent/repo, branch: main, auto_update: false}
    stages:
      - s: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`;

test("enable a pending agent from the agents page", { timeout: 60_000 }, async (t) => {
  const fawkes = await startFawkes(t, { pipelineFiles: { "ci.gocd.yaml": pipelineYaml }, agents: 1 });
  const ui = await openUi(t, fawkes.server, "/agents");
  const { page } = ui;
  await fawkes.diagnose(() =>
    withFailureScreenshot(page, "agents", async () => {
      await page.locator('tr[data-agent="agent-1"][data-state="idle"]').waitFor();
      await ui.markDocument();
      // Registered with the plain agent key: it waits for an administrator.
      const pending = await startAgentProcess(t, {
        serverUrl: fawkes.server.url,
        key: fawkes.server.agentKey,
        name: "new-host",
        resources: ["linux"],
      });
      fawkes.agents.push(pending);
      const row = page.locator('tr[data-agent="new-host"]');
      await row.locator('[data-state="pending"]').filter({ hasText: "Pending" }).waitFor({ timeout: 30_000 });
      await ui.screenshot("agents-pending");

      await row.getByRole("button", { name: "Enable new-host" }).click();
      await page.locator('tr[data-agent="new-host"][data-state="idle"]').waitFor({ timeout: 30_000 });
      await row.getByRole("button", { name: "Disable new-host" }).waitFor();
      await ui.assertNotReloaded();
      await ui.screenshot("agents");

      // Without the session cookie the UI asks for a login; the operator's API token logs in too.
      await ui.context.clearCookies();
      await page.goto(`${fawkes.server.url}/agents`);
      await page.getByRole("button", { name: "Use the API token instead" }).click();
      await page.getByLabel("API token").fill("not-the-token");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByRole("alert").filter({ hasText: "not valid" }).waitFor();
      await ui.screenshot("login");
      await page.getByLabel("API token").fill(fawkes.server.token);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.locator('tr[data-agent="new-host"][data-state="idle"]').waitFor();
    }),
  );
});
