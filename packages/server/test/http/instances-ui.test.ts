/**
 * The Instances pages in headless Chromium against an in-process server whose instance routes show a fake
 * directory (the real instances are wired by the server; their own tests launch them): the list with state,
 * addresses and the stack that made each; an instance's page whose console output grows while it runs, without
 * a reload; Terminate after a confirmation, shown as it happens.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { onCleanup, tempDir } from "@fawkes/testing";
import { chromium } from "playwright-core";
import { FakeInstances } from "./fake-instances.ts";
import { startHttpServer } from "./http-server.ts";

test(
  "the Instances pages: list, console output followed while running, terminate",
  { timeout: 120_000 },
  async (t) => {
    const directory = new FakeInstances();
    const app = "i-0a1b2c3d4e5f60718";
    directory.add(app, {
      stackName: "web",
      logicalId: "AppServer",
      publicIp: "127.101.0.5",
      roleArn: "arn:aws:iam::000000000000:role/app",
      tags: { Name: "app" },
    });
    directory.add("i-0ffffffffffffffff", {
      state: "terminated",
      privateIp: "127.100.0.3",
      terminatedAt: Date.now(),
    });
    directory.consoles.set(app, "cloud-init: running user data\n");
    const server = await startHttpServer(t, { instances: directory });

    const profile = await tempDir(t, "fawkes-chromium-");
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.FAWKES_CHROMIUM ?? "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
    });
    onCleanup(t, () => context.close());
    context.setDefaultTimeout(30_000);
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));

    await page.goto(`${server.url}/instances#token=${encodeURIComponent(server.keys.apiToken)}`);
    const row = page.locator(`tr[data-instance="${app}"]`);
    await row.locator('[data-state="passed"]').filter({ hasText: "running" }).waitFor();
    await row.getByText("127.100.0.2").waitFor();
    await row.getByText("127.101.0.5").waitFor();
    await row.getByRole("link", { name: "web" }).waitFor();
    await row.getByText("AppServer").waitFor();
    assert.equal(await page.locator('tr[data-instance="i-0ffffffffffffffff"]').count(), 0);
    await page.getByRole("link", { name: "Show terminated" }).click();
    await page.locator('tr[data-instance="i-0ffffffffffffffff"]').getByText("terminated").waitFor();

    await page.getByRole("link", { name: app }).click();
    await page.getByRole("heading", { name: `Instances / ${app}` }).waitFor();
    const output = page.getByLabel("Console output");
    await output.getByText("cloud-init: running user data").waitFor();
    await page.getByText("arn:aws:iam::000000000000:role/app").waitFor();
    await page.evaluate(() => ((globalThis as unknown as { mark: boolean }).mark = true));
    // More output while it runs: the page shows it without a reload.
    directory.consoles.set(app, "cloud-init: running user data\napp listening on 0.0.0.0:8080\n");
    await output.getByText("app listening on 0.0.0.0:8080").waitFor();

    await page.getByRole("button", { name: `Terminate instance ${app}` }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("nothing on it survives").waitFor();
    await dialog.getByRole("button", { name: "Terminate", exact: true }).click();
    await page.locator(".page-heading").getByText("shutting-down").waitFor();
    assert.deepEqual(directory.terminated, [app]);
    directory.set(app, {
      state: "terminated",
      terminatedAt: Date.now(),
    });
    await page.locator(".page-heading").getByText("terminated").waitFor();
    assert.equal(await page.getByRole("button", { name: /Terminate/ }).count(), 0);
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as { mark?: boolean }).mark),
      true,
      "the page reloaded",
    );
    assert.deepEqual(errors, []);
  },
);
