/**
 * The Audit page: the log newest first, linked in the navigation; a config commit appears live (no reload) as a
 * `config.change` by the server naming the new commit and the previous one; the filters narrow the table and
 * live in the URL; older pages load on demand, with no gap when new entries arrive.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { createGitRepo, startServerProcess } from "@fawkes/testing";
import { assertNoHorizontalOverflow, openUi, PHONE, withFailureScreenshot } from "./support.ts";

const pipelineYaml = `format_version: 10
pipelines:
  audited:
    group: audit
    materials:
      app: {git: /nonexistent/repo, branch: main, auto_update: false}
    stages:
      - s: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`;

test("the audit log shows who changed what, live, and filters it", { timeout: 90_000 }, async (t) => {
  const config = await createGitRepo(t, { "ci.gocd.yaml": pipelineYaml });
  const server = await startServerProcess(t, { pipelines: [config.url] });
  await server.api.post("/api/v1/pipelines/audited/pause", { reason: "release freeze" });

  const ui = await openUi(t, server, "/");
  const { page } = ui;
  await withFailureScreenshot(page, "audit", async () => {
    await page.getByRole("link", { name: "Audit", exact: true }).click();
    await page
      .getByRole("link", { name: "Audit", exact: true })
      .and(page.locator("[aria-current=page]"))
      .waitFor();
    const table = page.getByRole("table", { name: "Audit log, newest first" });
    const rows = table.locator("tbody tr");
    await rows.first().waitFor();
    // The browser's own login (the UI exchanged the token for a session) is on top.
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-action"))), [
      "session.login",
      "pipeline.pause",
      "user.create",
      "config.change",
    ]);
    const pause = rows.filter({ hasText: "pipeline.pause" });
    assert.match(
      await pause.innerText(),
      /admin\s+pipeline\.pause\s+pipeline\/audited\s+reason=release freeze/,
    );
    // The first start's administrator, then the config's first load: both by the server itself.
    assert.match(await rows.nth(2).innerText(), /fawkes \(system\)\s+user\.create\s+user\/admin/);
    assert.match(await rows.nth(3).innerText(), /fawkes \(system\)/);
    assert.equal(await page.title(), "Audit log · Fawkes");
    await ui.markDocument();

    // A commit to the config repository appears without a reload, naming the commit before it.
    const first = await config.head();
    await config.commit({ "ci.gocd.yaml": `# reviewed\n${pipelineYaml}` }, "touch the config");
    await server.api.notify(config.url);
    const changes = rows.filter({ hasText: "config.change" });
    await changes.nth(1).waitFor({ timeout: 30_000 });
    const newest = await changes.first().innerText();
    assert.match(newest, new RegExp(`revision=${await config.head()} previous=${first}`));

    await page.getByLabel("Action").selectOption("pipeline.*");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/\/audit\?action=pipeline\.\*$/);
    await page.getByRole("status").filter({ hasText: "1 entry" }).waitFor();
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-action"))), [
      "pipeline.pause",
    ]);

    await page.getByLabel("Actor").fill("system:fawkes");
    await page.getByLabel("Action").selectOption("");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/\/audit\?actor=system%3Afawkes$/);
    // Two config loads and the first start's administrator.
    await page.getByRole("status").filter({ hasText: "3 entries" }).waitFor();

    await page.getByRole("button", { name: "Clear" }).click();
    await page.waitForURL(/\/audit$/);
    await page
      .getByRole("status")
      .filter({ hasText: /^[4-9] entries$/ })
      .waitFor();
    // Past one page (100): older entries load on demand, and entries arriving meanwhile leave no gap.
    const before = await rows.count();
    for (let i = 0; i < 60; i++) {
      await server.api.post("/api/v1/pipelines/audited/pause", { reason: `round ${i}` });
      await server.api.post("/api/v1/pipelines/audited/unpause");
    }
    const total = before + 120;
    await page
      .getByRole("status")
      .filter({ hasText: /entries shown$/ })
      .waitFor();
    await page.getByRole("button", { name: "Show older entries" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `${total} entries` })
      .waitFor();
    assert.equal(await page.getByRole("button", { name: "Show older entries" }).count(), 0);
    await server.api.post("/api/v1/pipelines/audited/pause", { reason: "one more" });
    await page
      .getByRole("status")
      .filter({ hasText: `${total + 1} entries` })
      .waitFor();
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute("data-audit-id"))));
    assert.equal(new Set(ids).size, total + 1);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
      "newest first",
    );
    await ui.assertNotReloaded();
    await assertNoHorizontalOverflow(page);
    await ui.screenshot("audit");
    await page.setViewportSize(PHONE);
    await assertNoHorizontalOverflow(page);
    await ui.screenshot("audit-phone");
  });
});
