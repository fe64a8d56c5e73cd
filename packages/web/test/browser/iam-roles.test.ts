/**
 * The Roles page: roles made over the API are listed, a role shows its trust, inline and attached policies, a
 * role is created from the dialog (a bad trust policy is refused in the dialog, naming the JSON path) and
 * deleted after a confirmation, and a role in use refuses deletion with the server's message in that dialog.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ApiRoutes, apiPath } from "@fawkes/protocol";
import { startServerProcess } from "@fawkes/testing";
import { assertNoHorizontalOverflow, DESKTOP, openUi, PHONE, withFailureScreenshot } from "./support.ts";

const PUBLISH = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::releases/*" }],
};

test("roles: list, details, create and delete from the UI", { timeout: 90_000 }, async (t) => {
  const server = await startServerProcess(t);
  await server.api.post(ApiRoutes.roles, {
    name: "app-ci",
    trustPolicy: {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    },
  });
  const put = await server.api.request(
    "PUT",
    apiPath(ApiRoutes.rolePolicy, { role: "app-ci", policy: "publish" }),
    {
      body: { document: PUBLISH },
    },
  );
  assert.equal(put.status, 200);
  const ui = await openUi(t, server, "/roles");
  const { page } = ui;
  await withFailureScreenshot(page, "iam-roles", async () => {
    await page.locator('tr[data-role="app-ci"]').waitFor();
    await page.getByRole("link", { name: "app-ci" }).click();
    await page
      .locator("[data-inline-policy=publish]")
      .filter({ hasText: "arn:aws:s3:::releases/*" })
      .waitFor();
    assert.match((await page.getByTestId("trust-policy").textContent()) ?? "", /ec2\.amazonaws\.com/);
    await ui.screenshot("iam-role");
    await page.setViewportSize(PHONE);
    await assertNoHorizontalOverflow(page);
    await page.setViewportSize(DESKTOP);

    // In use (an inline policy): the delete is refused with the server's message, and the role stays.
    await page.getByRole("button", { name: "Delete role app-ci" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("dialog").getByText("must delete policies first").waitFor();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

    await page.getByRole("link", { name: "Roles", exact: true }).first().click();
    await page.getByRole("button", { name: "Create role" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name", { exact: true }).fill("deployer");
    await dialog
      .getByLabel(/Or a trust policy/)
      .fill('{"Version": "2012-10-17", "Statement": [{"Effect": "Permit"}]}');
    await dialog.getByRole("button", { name: "Create" }).click();
    await dialog.getByRole("alert").filter({ hasText: "trustPolicy.Statement[0].Effect" }).waitFor();
    await dialog.getByLabel(/Or a trust policy/).fill("");
    await dialog.getByLabel(/Jobs of pipeline/).fill("app");
    await dialog.getByRole("button", { name: "Create" }).click();
    await page.locator('tr[data-role="deployer"]').waitFor();
    await ui.screenshot("iam-roles");

    await page.getByRole("link", { name: "deployer" }).click();
    assert.match(
      (await page.getByTestId("trust-policy").textContent()) ?? "",
      /pipeline:app:stage:\*:job:\*/,
    );
    await page.getByRole("button", { name: "Delete role deployer" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete", exact: true }).click();
    await page.locator('tr[data-role="app-ci"]').waitFor();
    assert.equal(await page.locator('tr[data-role="deployer"]').count(), 0);
  });
});
