/**
 * docs/tutorial.md, walked for real: `fawkes up` as the README starts it (its phoenix servers need root), run 1
 * deploys build 1, then the tutorial's screens in Chromium — dashboard, run, the deploy job's console, the
 * package's artifact, the builds bucket, the stacks, the instance and its boot, the CI role — each asserted and
 * saved. Then the learner's commits: a broken unit test fails run 2 at `test` (the application keeps serving
 * build 1), the fix deploys build 3 and retires build 1's server, a changed page goes live, and rerunning run 1's
 * `deploy` rolls back to build 1 on a brand-new server.
 *
 * Screenshots go to test-output/screenshots/tutorial-NN-*.png; with FAWKES_TUTORIAL_SCREENSHOTS=1 also to
 * docs/images/tutorial/NN-*.png (the tutorial's images are refreshed only on purpose).
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { ApiRoutes, type InstanceListDto, type PipelineRunDto } from "@fawkes/protocol";
import {
  git,
  probeHttp,
  repoRoot,
  startUpProcess,
  waitForRun,
  type UpProcess,
  phoenixSkip,
} from "@fawkes/testing";
import type { Page } from "playwright-core";
import { launchBrowser, openUi, saveScreenshot, withFailureScreenshot } from "./support.ts";

const skip = phoenixSkip();

const PIPELINE = "dummy-application";
const STAGES = ["test", "package", "publish", "deploy"];
const DOCS_IMAGES =
  process.env.FAWKES_TUTORIAL_SCREENSHOTS === "1"
    ? path.join(repoRoot, "docs", "images", "tutorial")
    : undefined;

/** What the viewport shows (the docs embed these), into test-output and, when asked, the docs' images. */
async function shoot(page: Page, name: string): Promise<void> {
  await saveScreenshot(page, `tutorial-${name}`, { fullPage: false });
  if (DOCS_IMAGES !== undefined) await saveScreenshot(page, name, { dir: DOCS_IMAGES, fullPage: false });
}

/** Wait for run `counter` to finish (a deploy boots a server: allow minutes, not seconds). */
function finishedRun(
  up: UpProcess,
  counter: number,
  predicate = (run: PipelineRunDto) => run.result !== "building",
) {
  return waitForRun(up.api, PIPELINE, counter, predicate, {
    timeoutMs: 120_000,
    abortIf: () => (up.process.hasExited() ? `fawkes up exited:\n${up.output()}` : undefined),
  });
}

/** The stages of a run as `name:result`, in order. */
const stageResults = (run: PipelineRunDto): string[] =>
  run.stages.map((stage) => `${stage.name}#${stage.counter}:${stage.result}`);

/** Edit a file of the example repository and commit it (its post-commit hook starts the next run). */
async function commit(up: UpProcess, file: string, edit: (text: string) => string, message: string) {
  const full = path.join(up.repo, file);
  const before = await readFile(full, "utf8");
  const after = edit(before);
  assert.notEqual(after, before, `the edit changed nothing in ${file}`);
  await writeFile(full, after);
  await git(up.repo, ["commit", "-qam", message]);
}

/**
 * The page the stable address serves now, on a connection closed at once: a kept-alive one would hold the old
 * server's retire until it drained.
 */
async function appPage(up: UpProcess): Promise<string> {
  const { hostname, port } = new URL(up.appUrl);
  return probeHttp(hostname, Number(port));
}

test("the tutorial, screen by screen", { skip, timeout: 300_000 }, async (t) => {
  const up = await startUpProcess(t);
  const run1 = await finishedRun(up, 1);
  assert.deepEqual(
    stageResults(run1),
    STAGES.map((stage) => `${stage}#1:passed`),
    up.output(),
  );
  assert.match(await appPage(up), /<h1>A Dummy Application!<\/h1>/);

  const ui = await openUi(t, up);
  const { page } = ui;
  await withFailureScreenshot(page, "tutorial", async () => {
    // 1. The dashboard: the example's pipeline, its four stages green.
    const card = page.locator(`article[data-pipeline="${PIPELINE}"]`);
    for (const stage of STAGES)
      await card.locator(`li[data-stage="${stage}"][data-state="passed"]`).waitFor();
    assert.equal(await card.locator("li[data-stage]").count(), 4);
    await shoot(page, "01-dashboard");

    // 2. Run 1: the four stages in sequence, one job each, all passed.
    await card.getByRole("link", { name: "1", exact: true }).click();
    for (const stage of STAGES) {
      const section = page.locator(`section[data-stage="${stage}"][data-state="passed"]`);
      await section.locator(`tr[data-job="${stage}"][data-state="passed"]`).waitFor();
    }
    await shoot(page, "02-run");

    // 3. The deploy job's console: the new server's stack events, complete, and nothing left to retire.
    await page.locator('section[data-stage="deploy"]').getByRole("link", { name: "deploy" }).click();
    const console1 = page.getByRole("region", { name: `Console log of ${PIPELINE}/1/deploy/deploy` });
    await console1.getByText("stack app-server-build-1: CREATE_COMPLETE").waitFor();
    await console1.getByText(/Received SUCCESS signal with UniqueId i-/).waitFor();
    await console1
      .getByText(/AddressMove\s+AWS::EC2::EIPAssociation/)
      .first()
      .waitFor();
    await console1.getByText("nothing to retire", { exact: false }).waitFor();
    await shoot(page, "03-deploy-console");

    // 4. The package job's artifact, named with the pipeline counter.
    await page.goto(`${up.url}/pipelines/${PIPELINE}/1/package/1/package?tab=artifacts`);
    await page.getByText("packages/").waitFor();
    await page.getByRole("link", { name: "application-1.0.0-1.tgz" }).waitFor();
    await shoot(page, "04-artifacts");

    // 5. The builds bucket holds what the publish stage uploaded.
    await page.goto(`${up.url}/buckets/dummy-application-builds`);
    await page.locator('tr[data-key="application-1.0.0-1.tgz"]').waitFor();
    await shoot(page, "05-bucket");

    // 6. The stacks: the long-lived infrastructure and build 1's server; then build 1's events.
    await page.goto(`${up.url}/stacks`);
    await page.locator('tr[data-stack="infrastructure"][data-status="CREATE_COMPLETE"]').waitFor();
    await page.locator('tr[data-stack="app-server-build-1"][data-status="CREATE_COMPLETE"]').waitFor();
    await shoot(page, "06-stacks");
    await page
      .locator('tr[data-stack="app-server-build-1"]')
      .getByRole("link", { name: "app-server-build-1" })
      .click();
    const events = page.getByRole("tabpanel");
    await events.locator('tr[data-logical-id="AppServer"][data-status="CREATE_COMPLETE"]').waitFor();
    await events.locator('tr[data-logical-id="AddressMove"][data-status="CREATE_COMPLETE"]').waitFor();
    await events.getByText(/Received SUCCESS signal/).waitFor();
    await shoot(page, "07-stack-events");

    // 7. The instance: running, holding the stable address; its console shows the boot (cloud-init, user data).
    const { instances } = await up.api.get<InstanceListDto>(ApiRoutes.instances);
    const instance = instances.find((candidate) => candidate.stackName === "app-server-build-1");
    assert.ok(instance, `no instance of app-server-build-1 in ${JSON.stringify(instances)}`);
    const stableIp = new URL(up.appUrl).hostname;
    await page.goto(`${up.url}/instances`);
    const row = page.locator(`tr[data-instance="${instance.instanceId}"][data-state="running"]`);
    await row.getByText(stableIp, { exact: true }).waitFor();
    await row.getByRole("link", { name: "app-server-build-1" }).waitFor();
    await shoot(page, "08-instances");
    await row.getByRole("link", { name: instance.instanceId }).click();
    const output = page.getByLabel("Console output");
    await output.getByText(/Cloud-init v\. .* running 'init'/).waitFor();
    await output.getByText(/Result: success/).waitFor();
    await shoot(page, "09-instance-console");

    // 8. The CI role the publish and deploy stages run under: trusted by the pipeline's jobs, two policies.
    await page.goto(`${up.url}/roles`);
    await page
      .locator('tr[data-role="dummy-application-ci"]')
      .getByRole("link", { name: "dummy-application-ci" })
      .click();
    await page.locator("[data-inline-policy=publish-builds]").getByText("s3:PutObject").waitFor();
    await page.locator("[data-inline-policy=deploy-app-servers]").getByText("cloudformation:*").waitFor();
    assert.match(
      (await page.getByTestId("trust-policy").textContent()) ?? "",
      /pipeline:dummy-application:stage:\*:job:\*/,
    );
    await shoot(page, "10-role");

    // 9. A broken unit test: run 2 fails fast at `test`; nothing later runs, and build 1 keeps serving.
    await commit(up, "src/increment.ts", (text) => text.replace("x + 1", "x + 2"), "Break increment");
    const run2 = await finishedRun(up, 2);
    assert.deepEqual(
      stageResults(run2),
      ["test#1:failed"],
      `${JSON.stringify(run2.materials)}\n${await git(up.repo, ["log", "--oneline"])}\n${await git(up.repo, ["show", "HEAD"])}`,
    );
    assert.match(
      await up.api.console(PIPELINE, 2, "test", "test"),
      /3 !== 2|Expected values to be strictly equal/,
    );
    await page.goto(`${up.url}/`);
    await card.locator('li[data-stage="test"][data-state="failed"]').waitFor();
    for (const stage of STAGES.slice(1))
      await card.locator(`li[data-stage="${stage}"][data-state="not-run"]`).waitFor();
    await shoot(page, "11-failed-dashboard");
    await card.getByRole("link", { name: "2", exact: true }).click();
    await page.locator('section[data-stage="test"][data-state="failed"]').waitFor();
    for (const stage of STAGES.slice(1))
      await page.locator(`section[data-stage="${stage}"][data-state="not-run"]`).waitFor();
    await shoot(page, "12-failed-run");
    assert.match(await appPage(up), /A Dummy Application!/);
    assert.deepEqual(
      (await up.api.get<InstanceListDto>(ApiRoutes.instances)).instances.map((i) => i.stackName),
      ["app-server-build-1"],
    );

    // 10. The fix: run 3 deploys build 3 and retires build 1's server (deleted stacks show on request).
    await git(up.repo, ["revert", "--no-edit", "HEAD"]);
    const run3 = await finishedRun(up, 3);
    assert.deepEqual(
      stageResults(run3),
      STAGES.map((stage) => `${stage}#1:passed`),
    );
    await page.goto(`${up.url}/stacks?all=true`);
    await page.locator('tr[data-stack="app-server-build-3"][data-status="CREATE_COMPLETE"]').waitFor();
    await page.locator('tr[data-stack="app-server-build-1"][data-status="DELETE_COMPLETE"]').waitFor();
    await shoot(page, "13-old-server-retired");

    // 11. Change the page (the banner's command): build 4 goes live at the same address.
    await commit(
      up,
      "src/public/index.html",
      (text) => text.replace(/<p>.*<\/p>/, "<p>My first change.</p>"),
      "Change the page",
    );
    const run4 = await finishedRun(up, 4);
    assert.deepEqual(
      stageResults(run4),
      STAGES.map((stage) => `${stage}#1:passed`),
    );
    assert.match(await appPage(up), /<p>My first change\.<\/p>/);
    const deployed = run4.stages.at(-1)?.completedAt ?? run4.createdAt;
    t.diagnostic(`the changed page was live ${(deployed - run4.createdAt) / 1000} s after its run started`);
    // In a browser of its own, closed after: its kept-alive connection would hold the next retire (drain).
    const appBrowser = await launchBrowser(t);
    const appTab = appBrowser.pages()[0] ?? (await appBrowser.newPage());
    await appTab.goto(up.appUrl);
    await appTab.getByText("My first change.").waitFor();
    await shoot(appTab, "14-changed-page");
    await appBrowser.close();

    // 12. Roll back: rerun run 1's deploy; a new server for build 1 takes the address, build 4's is retired.
    await page.goto(`${up.url}/pipelines/${PIPELINE}/1`);
    await page.getByRole("button", { name: "Rerun stage deploy" }).click();
    await finishedRun(up, 1, (run) =>
      run.stages.some(
        (stage) => stage.name === "deploy" && stage.counter === 2 && stage.result !== "building",
      ),
    );
    const deploy2 = page
      .locator('section[data-stage="deploy"][data-state="passed"]')
      .filter({ hasText: "(stage run 2)" });
    await deploy2.locator('tr[data-job="deploy"][data-state="passed"]').waitFor();
    await shoot(page, "15-rollback-run");
    // The deploy passed only once the address moved: build 1 answers at once.
    const rolledBack = await appPage(up);
    assert.match(rolledBack, /A Dummy Application!/);
    assert.doesNotMatch(rolledBack, /My first change\./);
    await page.goto(`${up.url}/stacks`);
    await page.locator('tr[data-stack="app-server-build-1-2"][data-status="CREATE_COMPLETE"]').waitFor();
    assert.equal(await page.locator('tr[data-stack="app-server-build-4"]').count(), 0);
    await shoot(page, "16-rollback-stacks");
  });
});
