/**
 * The Users and Account pages: an administrator creates a user (the server's generated password is shown once)
 * and that user logs in from a second browser; the user creates a personal token on their account page, the
 * administrator revokes it on the user's page and the token stops working, and sets the user a new password; a
 * group grant is given and removed; a role change and disabling apply (a disabled user's session ends); a user
 * changes their own password and stays logged in; a viewer sees no mutating control on the Roles pages and gets
 * "Not allowed" on Users; deleting a user asks first.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ApiRoutes, type MeDto, type UserListDto } from "@fawkes/protocol";
import { startServerProcess, waitFor } from "@fawkes/testing";
import type { Page } from "playwright-core";
import {
  assertNoHorizontalOverflow,
  DESKTOP,
  launchBrowser,
  openUi,
  PHONE,
  saveScreenshot,
  withFailureScreenshot,
} from "./support.ts";

const VIEWER_PASSWORD = "a viewer's long password";
const RESET_PASSWORD = "set by the administrator";

async function logIn(page: Page, url: string, user: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("User").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("navigation", { name: "Main" }).waitFor();
}

async function confirm(page: Page, name: string): Promise<void> {
  await page.getByRole("dialog").getByRole("button", { name, exact: true }).click();
}

test("administrators manage users and tokens; users manage their own", { timeout: 180_000 }, async (t) => {
  const server = await startServerProcess(t);
  await server.api.post(ApiRoutes.users, { name: "vera", role: "viewer", password: VIEWER_PASSWORD });
  await server.api.post(ApiRoutes.roles, {
    name: "reader",
    trustPolicy: {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    },
  });
  await server.api.post(ApiRoutes.policies, {
    name: "list-all",
    document: {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "*" }],
    },
  });
  await server.api.post(ApiRoutes.instanceProfiles, { name: "host", role: "reader" });
  const bearer = (token: string) =>
    fetch(server.url + ApiRoutes.me, { headers: { authorization: `Bearer ${token}` } });
  const login = (user: string, password: string) =>
    fetch(server.url + ApiRoutes.login, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user, password }),
    });
  const users = async () => (await server.api.get<UserListDto>(ApiRoutes.users)).users;

  const admin = await openUi(t, server, "/users");
  const page = admin.page;
  const userContext = await launchBrowser(t);
  const other = userContext.pages()[0] ?? (await userContext.newPage());

  // Create a user without a password: the server's generated one is shown once.
  const password = await withFailureScreenshot(page, "users-create", async () => {
    await page.locator('tr[data-user="vera"]').waitFor();
    await page.getByRole("button", { name: "Create user" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill("ursula");
    await dialog.getByLabel("Role").selectOption("operator");
    await dialog.getByRole("button", { name: "Create" }).click();
    await page.locator('tr[data-user="ursula"]').waitFor();
    const shown = (await page.getByTestId("secret-value").textContent()) ?? "";
    assert.ok(shown.length >= 12, `no generated password shown: "${shown}"`);
    await admin.screenshot("users");
    return shown;
  });

  // The new user logs in from another browser, has no Users page, and makes a personal token.
  const token = await withFailureScreenshot(other, "users-login", async () => {
    await logIn(other, server.url, "ursula", password);
    const nav = other.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Roles" }).waitFor();
    assert.equal(await nav.getByRole("link", { name: "Users" }).count(), 0, "a non-admin sees Users");
    await other.goto(`${server.url}/users`);
    await other.getByTestId("not-allowed").waitFor();
    await other.getByRole("link", { name: "Account", exact: true }).click();
    await other.getByLabel("Token name").fill("laptop");
    await other.getByRole("button", { name: "Create token" }).click();
    await other.locator('tr[data-token="laptop"]').waitFor();
    await saveScreenshot(other, "account");
    return (await other.getByTestId("secret-value").textContent()) ?? "";
  });
  const me = await bearer(token);
  assert.equal(me.status, 200);
  assert.equal(((await me.json()) as MeDto).user, "ursula");

  // The administrator revokes it on the user's page: it is refused from the next request on.
  await withFailureScreenshot(page, "users-revoke", async () => {
    await page.getByRole("link", { name: "ursula" }).click();
    const row = page.locator('tr[data-token="laptop"]');
    await row.getByRole("button", { name: "Revoke token laptop" }).click();
    await confirm(page, "Revoke");
    await row.waitFor({ state: "detached" });
    assert.equal((await bearer(token)).status, 401);

    // A new password set by the administrator: the generated one stops working.
    await page.getByLabel(/^New password \(/).fill(RESET_PASSWORD);
    await page.getByLabel("New password again").fill(RESET_PASSWORD);
    await page.getByRole("button", { name: "Set password" }).click();
    await page.getByText("Password changed").waitFor();
    assert.equal((await login("ursula", password)).status, 401);
    assert.equal((await login("ursula", RESET_PASSWORD)).status, 201);

    // A role in a pipeline group, granted and removed on the same page.
    await page.getByLabel("Pipeline group", { exact: true }).fill("delivery");
    await page.getByLabel("Role in the group").selectOption("admin");
    await page.getByRole("button", { name: "Grant" }).click();
    await page.locator('[data-grant="delivery"]').waitFor();
    assert.deepEqual((await users()).find((user) => user.name === "ursula")?.groups, { delivery: "admin" });
    await page.setViewportSize(PHONE);
    await assertNoHorizontalOverflow(page);
    await page.setViewportSize(DESKTOP);
    await page.getByRole("button", { name: "Remove ursula's grant in delivery" }).click();
    await confirm(page, "Remove");
    await page.locator('[data-grant="delivery"]').waitFor({ state: "detached" });
    assert.deepEqual((await users()).find((user) => user.name === "ursula")?.groups, {});

    // Role change and disabling: the disabled user's session ends.
    await page.getByRole("link", { name: "Users", exact: true }).first().click();
    await page.getByLabel("Role of ursula").selectOption("viewer");
    await waitFor(async () => (await users()).find((user) => user.name === "ursula")?.role === "viewer", {
      message: "ursula to become a viewer",
    });
    await page.getByRole("button", { name: "Disable ursula" }).click();
    await page
      .locator('tr[data-user="ursula"] [data-testid="user-status"]', { hasText: "Disabled" })
      .waitFor();
    await other.reload();
    await other.getByRole("button", { name: "Log in" }).waitFor();
    await page.getByRole("button", { name: "Enable ursula" }).click();
    await page.locator('tr[data-user="ursula"] [data-testid="user-status"]', { hasText: "Active" }).waitFor();
  });

  // The user changes their own password and stays logged in; the new one logs in.
  await withFailureScreenshot(other, "users-password", async () => {
    await logIn(other, server.url, "ursula", RESET_PASSWORD);
    await other.goto(`${server.url}/account`);
    await other.getByLabel("Current password").fill("not the password");
    await other.getByLabel(/^New password \(/).fill("ursula's new long password");
    await other.getByLabel("New password again").fill("ursula's new long password");
    await other.getByRole("button", { name: "Change password" }).click();
    await other.getByRole("alert").filter({ hasText: "not your current password" }).waitFor();
    await other.getByLabel("Current password").fill(RESET_PASSWORD);
    await other.getByLabel(/^New password \(/).fill("ursula's new long password");
    await other.getByLabel("New password again").fill("ursula's new long password");
    await other.getByRole("button", { name: "Change password" }).click();
    await other.getByText("Password changed").waitFor();
    await other.reload();
    await other.getByRole("heading", { name: "Account: ursula" }).waitFor();
    assert.equal((await login("ursula", "ursula's new long password")).status, 201);
    await other.getByRole("button", { name: /Log out/ }).click();
    await other.getByRole("button", { name: "Log in" }).waitFor();
  });

  // A viewer: no mutating control on any Roles page, and Users is refused.
  await withFailureScreenshot(other, "users-viewer", async () => {
    await logIn(other, server.url, "vera", VIEWER_PASSWORD);
    const main = other.getByRole("main");
    for (const [target, ready] of [
      ["/roles", 'tr[data-role="reader"]'],
      ["/roles/reader", '[data-testid="trust-policy"]'],
      ["/policies?policy=list-all", '[data-testid="policy-document"]'],
      ["/instance-profiles", 'tr[data-instance-profile="host"]'],
    ] as const) {
      await other.goto(server.url + target);
      await other.locator(ready).waitFor();
      const buttons = await main.getByRole("button").allTextContents();
      assert.deepEqual(buttons, [], `the viewer sees buttons on ${target}`);
      assert.equal(await main.locator("select, textarea").count(), 0, `the viewer sees inputs on ${target}`);
    }
    await other.goto(`${server.url}/users`);
    await other.getByTestId("not-allowed").waitFor();
    await other.goto(`${server.url}/users/ursula`);
    await other.getByTestId("not-allowed").waitFor();
  });

  // Deleting a user asks first.
  await withFailureScreenshot(page, "users-delete", async () => {
    await page.getByRole("button", { name: "Delete user ursula" }).click();
    await confirm(page, "Delete");
    await page.locator('tr[data-user="ursula"]').waitFor({ state: "detached" });
    assert.deepEqual((await users()).map((user) => user.name).sort(), ["admin", "vera"]);
  });
});
