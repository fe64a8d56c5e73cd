/**
 * The Instances pages against a real server with a real phoenix instance (root only, like every instance test):
 * a stack created over REST launches it; the list shows it running with its address and the stack that made it;
 * its page shows the console output as user data writes it, with no reload; Terminate after a confirmation.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ApiRoutes, apiPath, type InstanceListDto, type StackDetailsDto } from "@fawkes/protocol";
import { startServerProcess, waitFor, phoenixSkip } from "@fawkes/testing";
import { assertAccessible, assertNoHorizontalOverflow, openUi, withFailureScreenshot } from "./support.ts";

const skip = phoenixSkip({ aws: false });

/** User data that writes a line, a second one two seconds later, and keeps running. */
const USER_DATA = `#!/bin/sh
echo "hello from user data"
sleep 2
echo "second line of the boot"
exec sleep 600
`;

const TEMPLATE = JSON.stringify({
  AWSTemplateFormatVersion: "2010-09-09",
  Resources: {
    VPC: { Type: "AWS::EC2::VPC", Properties: { CidrBlock: "10.0.0.0/16" } },
    Subnet: { Type: "AWS::EC2::Subnet", Properties: { VpcId: { Ref: "VPC" }, CidrBlock: "10.0.0.0/24" } },
    AppServer: {
      Type: "AWS::EC2::Instance",
      Properties: {
        ImageId: "ami-20bd1f57",
        InstanceType: "m1.medium",
        SubnetId: { Ref: "Subnet" },
        Tags: [{ Key: "Name", Value: "app" }],
        UserData: { "Fn::Base64": USER_DATA },
      },
    },
  },
});

test(
  "a real instance on the Instances pages: running, console output, terminate",
  { skip, timeout: 180_000 },
  async (t) => {
    const server = await startServerProcess(t);
    await server.api.post(ApiRoutes.stacks, { name: "app", templateBody: TEMPLATE });
    const stack = await waitFor(
      async () => {
        const answer = await server.api.get<StackDetailsDto>(apiPath(ApiRoutes.stack, { stack: "app" }));
        return answer.status.endsWith("_IN_PROGRESS") ? undefined : answer;
      },
      { message: "stack app to be created", timeoutMs: 60_000 },
    );
    assert.equal(stack.status, "CREATE_COMPLETE", stack.statusReason ?? "");
    const [instance] = (await server.api.get<InstanceListDto>(ApiRoutes.instances)).instances;
    assert.ok(instance, "no instance listed");
    assert.equal(instance.stackName, "app");
    assert.equal(instance.logicalId, "AppServer");
    assert.match(instance.privateIp, /^127\.100\./);

    const ui = await openUi(t, server, "/instances");
    const { page } = ui;
    await withFailureScreenshot(page, "instances", async () => {
      const row = page.locator(`tr[data-instance="${instance.instanceId}"]`);
      await row.locator('[data-state="passed"]').filter({ hasText: "running" }).waitFor();
      await row.getByText(instance.privateIp, { exact: true }).waitFor();
      await row.getByRole("link", { name: "app" }).waitFor();
      await row.getByText("AppServer").waitFor();
      await assertNoHorizontalOverflow(page);
      await ui.screenshot("instances");
      await ui.markDocument();

      await row.getByRole("link", { name: instance.instanceId }).click();
      const output = page.getByLabel("Console output");
      await output.getByText("hello from user data").waitFor();
      // Written two seconds later: the page refreshes it while the instance runs.
      await output.getByText("second line of the boot").waitFor();
      await page.getByText("Name=app").waitFor();
      await assertAccessible(page, "an instance's page");
      await ui.screenshot("instance");

      await page.getByRole("button", { name: `Terminate instance ${instance.instanceId}` }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByText("Stack app made it").waitFor();
      await dialog.getByRole("button", { name: "Terminate", exact: true }).click();
      await page
        .locator(".page-heading")
        .locator('[data-state="cancelled"]')
        .filter({ hasText: "terminated" })
        .waitFor({
          timeout: 60_000,
        });
      assert.equal(await page.getByRole("button", { name: /Terminate/ }).count(), 0);
      await ui.assertNotReloaded();
    });
    const after = await server.api.get<InstanceListDto>(`${ApiRoutes.instances}?all=true`);
    assert.equal(after.instances.find((i) => i.instanceId === instance.instanceId)?.state, "terminated");
    // The stack still deletes cleanly.
    const deleted = await server.api.request("DELETE", apiPath(ApiRoutes.stack, { stack: "app" }));
    assert.equal(deleted.status, 202);
    await waitFor(
      async () =>
        (await server.api.request("GET", apiPath(ApiRoutes.stack, { stack: "app" }))).status === 404,
      { message: "stack app to be deleted", timeoutMs: 60_000 },
    );
  },
);
