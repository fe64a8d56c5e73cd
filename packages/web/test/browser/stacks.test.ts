/**
 * The Stacks pages against a real server: a stack's page opened before the stack exists follows its create
 * live (events appear, the status reaches CREATE_COMPLETE, outputs show) with no reload; parameters show NoEcho
 * values as ****; resources and template; the list; Delete after a confirmation, followed to DELETE_COMPLETE;
 * a viewer sees no Delete button.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ApiRoutes, apiPath, type StackDetailsDto } from "@fawkes/protocol";
import { BUCKET_AND_ROLE_TEMPLATE, startServerProcess } from "@fawkes/testing";
import {
  assertNoHorizontalOverflow,
  DESKTOP,
  launchBrowser,
  openUi,
  PHONE,
  withFailureScreenshot,
} from "./support.ts";

const TEMPLATE = BUCKET_AND_ROLE_TEMPLATE;

test("a stack's page follows its create and delete live", { timeout: 180_000 }, async (t) => {
  const server = await startServerProcess(t);
  const ui = await openUi(t, server, "/stacks");
  const { page } = ui;
  await withFailureScreenshot(page, "stacks", async () => {
    await page.getByText("No stack yet").waitFor();
    await page.getByText("aws cloudformation create-stack").waitFor();

    // The page of a stack about to be created: not found yet, then followed live once it exists.
    await page.goto(`${server.url}/stacks/web`);
    await page.getByRole("alert").filter({ hasText: "Stack with id web does not exist" }).waitFor();
    await ui.markDocument();
    const created = await server.api.post<StackDetailsDto>(ApiRoutes.stacks, {
      name: "web",
      templateBody: TEMPLATE,
      parameters: { DbPassword: "hunter2-secret" },
      capabilities: ["CAPABILITY_IAM"],
    });
    const heading = page.locator(".page-heading");
    await heading.locator('[data-state="passed"]').filter({ hasText: "CREATE_COMPLETE" }).waitFor();
    const events = page.getByRole("tabpanel");
    await events.locator('tr[data-logical-id="web"][data-status="CREATE_IN_PROGRESS"]').waitFor();
    await events.locator('tr[data-logical-id="Releases"][data-status="CREATE_COMPLETE"]').waitFor();
    await events.locator('tr[data-logical-id="AppRole"][data-status="CREATE_COMPLETE"]').waitFor();
    await events.locator('tr[data-logical-id="web"][data-status="CREATE_COMPLETE"]').waitFor();
    await ui.assertNotReloaded();
    // Newest first: the stack's CREATE_COMPLETE heads the table.
    assert.equal(await events.locator("tbody tr").first().getAttribute("data-status"), "CREATE_COMPLETE");
    await page.getByRole("tab", { name: /^Events \(\d+\)$/ }).waitFor();
    await ui.screenshot("stack-events");

    await page.getByRole("tab", { name: "Outputs" }).click();
    const bucketOutput = page.locator('tr[data-output="Bucket"]');
    await bucketOutput.getByText(/^web-releases-/).waitFor();
    await bucketOutput.getByText("where builds go").waitFor();
    await page
      .locator('tr[data-output="RoleArn"]')
      .getByText(/arn:aws:iam::000000000000:role\//)
      .waitFor();

    await page.getByRole("tab", { name: "Parameters" }).click();
    await page.locator('tr[data-parameter="Env"]').getByText("ci", { exact: true }).waitFor();
    await page.locator('tr[data-parameter="DbPassword"]').getByText("****").waitFor();
    assert.equal(await page.getByText("hunter2-secret").count(), 0);

    await page.getByRole("tab", { name: "Resources" }).click();
    const releases = page.locator('tr[data-resource="Releases"][data-status="CREATE_COMPLETE"]');
    await releases.getByText("AWS::S3::Bucket").waitFor();
    await releases.getByRole("link", { name: /^web-releases-/ }).waitFor();
    // What a resource is opens on its own page: the bucket's, the role's.
    const roleLink = page.locator('tr[data-resource="AppRole"]').getByRole("link", { name: /^web-AppRole-/ });
    assert.match((await roleLink.getAttribute("href")) ?? "", /^\/roles\/web-AppRole-/);

    await page.getByRole("tab", { name: "Template" }).click();
    const template = page.getByLabel("Template (read-only)");
    await template.getByText("Description: the app's bucket and role").waitFor();
    assert.equal(await template.textContent(), TEMPLATE);
    await assertNoHorizontalOverflow(page);
    // At a phone's width too: wide tables scroll inside their box, long ids wrap.
    await page.setViewportSize(PHONE);
    await page.getByRole("tab", { name: /^Events/ }).click();
    await assertNoHorizontalOverflow(page);
    await page.setViewportSize(DESKTOP);
    await ui.assertNotReloaded();

    // The list (through the navigation: no reload) shows it with its status.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Stacks" }).click();
    const row = page.locator('tr[data-stack="web"]');
    await row.locator('[data-state="passed"]').filter({ hasText: "CREATE_COMPLETE" }).waitFor();
    await row.getByText("by admin").waitFor();
    await ui.screenshot("stacks");

    // Delete, after a confirmation; the page follows the stack to DELETE_COMPLETE.
    await row.getByRole("link", { name: "web" }).click();
    await page.getByRole("button", { name: "Delete stack web" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("Delete stack web?").waitFor();
    await dialog.getByRole("button", { name: "Delete", exact: true }).click();
    await heading.locator('[data-state="cancelled"]').filter({ hasText: "DELETE_COMPLETE" }).waitFor();
    await page
      .getByRole("tabpanel")
      .locator('tr[data-logical-id="Releases"][data-status="DELETE_COMPLETE"]')
      .waitFor();
    assert.equal(await page.getByRole("button", { name: "Delete stack web" }).count(), 0);
    await ui.assertNotReloaded();
    const gone = await server.api.get<StackDetailsDto>(apiPath(ApiRoutes.stack, { stack: created.stackId }));
    assert.equal(gone.status, "DELETE_COMPLETE");

    // Deleted stacks show on request.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Stacks" }).click();
    await page.getByText("No stack yet").waitFor();
    await page.getByRole("link", { name: "Show deleted" }).click();
    await page.locator('tr[data-stack="web"]').getByText("DELETE_COMPLETE").waitFor();

    // A stack created elsewhere appears in the open list, with no reload.
    await ui.markDocument();
    await server.api.post(ApiRoutes.stacks, {
      name: "api",
      templateBody: TEMPLATE,
      parameters: { DbPassword: "x" },
      capabilities: ["CAPABILITY_IAM"],
    });
    await page
      .locator('tr[data-stack="api"]')
      .getByText(/CREATE_(IN_PROGRESS|COMPLETE)/)
      .waitFor();
    await ui.assertNotReloaded();
  });

  // A viewer reads the stack but gets no Delete button.
  await server.api.post(ApiRoutes.users, {
    name: "vera",
    role: "viewer",
    password: "a viewer's long password",
  });
  const context = await launchBrowser(t);
  const viewer = context.pages()[0] ?? (await context.newPage());
  await withFailureScreenshot(viewer, "stacks-viewer", async () => {
    await viewer.goto(`${server.url}/stacks/api`);
    await viewer.getByLabel("User").fill("vera");
    await viewer.getByLabel("Password").fill("a viewer's long password");
    await viewer.getByRole("button", { name: "Log in" }).click();
    await viewer.locator(".page-heading").getByText("CREATE_COMPLETE").waitFor();
    assert.equal(await viewer.getByRole("button", { name: /Delete/ }).count(), 0);
  });
});
