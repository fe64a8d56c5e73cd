/**
 * Every page of the UI through axe-core (WCAG 2.2 A and AA, colour contrast included) with real data in it: a
 * failed run with a stage that never ran, a run waiting for a manual approval, a job with an artifact, a stack
 * with a bucket (holding a folder) and a role, users, the audit log. Each page also must not use emoji as icons
 * (they render as boxes without an emoji font). Destructive commands ask first: cancelling a run opens a dialog.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { ApiRoutes, apiPath, type StackDetailsDto, type StackResourceListDto } from "@fawkes/protocol";
import {
  adminCloudClient,
  BUCKET_AND_ROLE_TEMPLATE,
  createGitRepo,
  startFawkes,
  waitFor,
  waitForRun,
  yamlString,
} from "@fawkes/testing";
import type { Page } from "playwright-core";
import { assertAccessible, openUi, withFailureScreenshot } from "./support.ts";

const pipelineYaml = (repo: string) => `format_version: 10
pipelines:
  web-app:
    group: delivery
    materials:
      app: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - build: {jobs: {compile: {tasks: [{exec: {command: sh, arguments: ["-c", "echo compiling; mkdir -p out; echo jar > out/app.jar"]}}], artifacts: [{build: {source: out, destination: pkg}}]}}}
      - test: {jobs: {unit: {tasks: [{exec: {command: sh, arguments: ["-c", "echo a test failed; exit 1"]}}]}}}
      - package: {jobs: {tar: {tasks: [{exec: {command: "true"}}]}}}
  release:
    group: delivery
    materials:
      app: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - build: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
      - deploy: {approval: manual, jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
  slow:
    group: ops
    materials:
      app: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - wait: {jobs: {sleeper: {tasks: [{exec: {command: sleep, arguments: ["60"]}}]}}}
`;

/** Characters drawn as colour emoji by default: icons must be SVG or text symbols instead. */
async function assertNoEmoji(page: Page, what: string): Promise<void> {
  const emoji = await page.evaluate(() => document.body.innerText.match(/\p{Emoji_Presentation}/gu) ?? []);
  assert.deepEqual(emoji, [], `emoji used as icons on ${what}`);
}

test("every page passes axe-core's accessibility checks", { timeout: 180_000 }, async (t) => {
  const repo = await createGitRepo(t, { "README.md": "app\n" });
  const fawkes = await startFawkes(t, {
    pipelineFiles: { "ci.gocd.yaml": pipelineYaml(repo.path) },
    expectPipelines: ["web-app", "release", "slow"],
    agents: 2,
  });
  const { server, api } = fawkes;
  await api.trigger("web-app");
  await api.trigger("release");
  await api.post(ApiRoutes.stacks, {
    name: "web",
    templateBody: BUCKET_AND_ROLE_TEMPLATE,
    parameters: { DbPassword: "hunter2-secret" },
    capabilities: ["CAPABILITY_IAM"],
  });
  await api.post(ApiRoutes.users, { name: "vera", role: "viewer", password: "a viewer's long password" });
  const stack = await waitFor(
    async () => {
      const answer = await api.get<StackDetailsDto>(apiPath(ApiRoutes.stack, { stack: "web" }));
      return answer.status === "CREATE_COMPLETE" ? answer : undefined;
    },
    { timeoutMs: 60_000, message: "stack web created" },
  );
  const bucket = stack.outputs.find((output) => output.key === "Bucket")?.value;
  const { resources } = await api.get<StackResourceListDto>(
    apiPath(ApiRoutes.stackResources, { stack: "web" }),
  );
  const role = resources.find((resource) => resource.logicalId === "AppRole")?.physicalId ?? undefined;
  assert.ok(bucket !== undefined && role !== undefined, "the stack made a bucket and a role");
  const s3 = await adminCloudClient(t, server, "a11y-test");
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "releases/app.tgz", Body: "bytes" }));
  await waitForRun(api, "web-app", 1, (run) => run.result === "failed");
  await waitForRun(api, "release", 1, (run) => run.awaitingApproval === "deploy");

  const ui = await openUi(t, server);
  const { page } = ui;
  const enc = encodeURIComponent;
  // Each page with something that shows it is loaded (axe must see the content, not a spinner).
  const pages: [path: string, ready: (page: Page) => Promise<unknown>][] = [
    [
      "/",
      (p) =>
        p
          .locator('article[data-pipeline="release"]')
          .getByRole("button", { name: /Approve/ })
          .waitFor(),
    ],
    ["/pipelines/web-app", (p) => p.getByRole("row").filter({ hasText: "Manual by" }).first().waitFor()],
    ["/pipelines/web-app/1", (p) => p.locator('tr[data-job="unit"][data-state="failed"]').waitFor()],
    ["/pipelines/release/1", (p) => p.getByRole("button", { name: /Approve/ }).waitFor()],
    ["/pipelines/web-app/1?tab=vsm", (p) => p.locator(".fk-vsm-node").first().waitFor()],
    ["/pipelines/web-app/1/test/1/unit", (p) => p.getByText("a test failed", { exact: true }).waitFor()],
    [
      "/pipelines/web-app/1/build/1/compile?tab=artifacts",
      (p) => p.getByRole("link", { name: "app.jar" }).waitFor(),
    ],
    ["/agents", (p) => p.locator('tr[data-agent="agent-2"]').waitFor()],
    ["/config", (p) => p.getByRole("heading", { level: 1 }).waitFor()],
    ["/buckets", (p) => p.locator(`tr[data-bucket="${bucket}"]`).waitFor()],
    [`/buckets/${enc(bucket)}`, (p) => p.getByRole("link", { name: "releases/" }).waitFor()],
    [
      `/buckets/${enc(bucket)}?prefix=releases%2F&key=releases%2Fapp.tgz`,
      (p) => p.getByRole("link", { name: /Download/ }).waitFor(),
    ],
    ["/roles", (p) => p.getByRole("link", { name: role }).waitFor()],
    [`/roles/${enc(role)}`, (p) => p.getByRole("heading", { name: "Trust policy" }).waitFor()],
    ["/policies", (p) => p.getByRole("heading", { level: 1 }).waitFor()],
    ["/instance-profiles", (p) => p.getByRole("heading", { level: 1 }).waitFor()],
    ["/users", (p) => p.getByRole("link", { name: "vera" }).waitFor()],
    ["/users/vera", (p) => p.getByRole("heading", { name: "Tokens", exact: false }).first().waitFor()],
    ["/account", (p) => p.getByRole("heading", { level: 1 }).waitFor()],
    ["/audit", (p) => p.locator("tbody tr").first().waitFor()],
    ["/stacks", (p) => p.locator('tr[data-stack="web"]').waitFor()],
    ["/stacks/web", (p) => p.locator('tr[data-logical-id="web"][data-status="CREATE_COMPLETE"]').waitFor()],
    ["/stacks/web?tab=outputs", (p) => p.locator('tr[data-output="Bucket"]').waitFor()],
    ["/stacks/web?tab=resources", (p) => p.locator('tr[data-resource="Releases"]').waitFor()],
    ["/instances", (p) => p.getByRole("heading", { level: 1 }).waitFor()],
    ["/no/such/page", (p) => p.getByRole("heading", { level: 1 }).waitFor()],
  ];
  await fawkes.diagnose(() =>
    withFailureScreenshot(page, "accessibility", async () => {
      const problems: string[] = [];
      for (const [path, ready] of pages) {
        await page.goto(`${server.url}${path}`);
        await ready(page);
        await assertAccessible(page, path).catch((error: unknown) => problems.push(String(error)));
        await assertNoEmoji(page, path).catch((error: unknown) => problems.push(String(error)));
      }

      // A dialog open (the trigger options), and the dashboard while a run builds.
      await page.goto(`${server.url}/`);
      const card = page.locator('article[data-pipeline="slow"]');
      await card.getByRole("button", { name: "Trigger slow with options" }).click();
      await assertAccessible(page, "the trigger dialog").catch((error: unknown) =>
        problems.push(String(error)),
      );
      await page.keyboard.press("Escape");
      await card.getByRole("button", { name: "Trigger slow", exact: true }).click();
      await card.locator('li[data-stage="wait"][data-state="building"]').waitFor();
      await assertAccessible(page, "the dashboard with a run building").catch((error: unknown) =>
        problems.push(String(error)),
      );
      if (problems.length > 0) throw new Error(problems.join("\n"));

      // Cancelling a run asks first; backing out leaves it running.
      const cancel = card.getByRole("button", { name: "Cancel run 1 of slow" });
      const confirm = page.getByRole("dialog", { name: "Cancel run 1 of slow?" });
      await cancel.click();
      await confirm.waitFor();
      await assertAccessible(page, "the cancel dialog");
      await ui.screenshot("cancel-run-dialog");
      await confirm.getByRole("button", { name: "Keep it running" }).click();
      await confirm.waitFor({ state: "hidden" });
      assert.equal((await api.run("slow", 1)).result, "building");
      await cancel.click();
      await confirm.getByRole("button", { name: "Cancel run", exact: true }).click();
      await waitForRun(api, "slow", 1, (run) => run.result === "cancelled");
      await card.locator('li[data-stage="wait"][data-state="cancelled"]').waitFor();
    }),
  );
});
