/**
 * Managing what a role allows from the UI, checked with Debian's awscli 2.9 acting with the role's own temporary
 * credentials: an administrator creates a managed policy, adds an inline policy and attaches the managed one, and
 * what the role's session may do on S3 changes from the next request; a malformed trust policy is refused in the
 * browser (not JSON) and by the server (naming the JSON path); the role's live session is listed and revoked, and
 * the revoked credentials stop working; an instance profile takes the role, refuses deletion while it holds it
 * (the server's DeleteConflict message), and is deleted once empty.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { ApiRoutes, apiPath, type CreatedAccessKeyDto, type RoleDetailsDto } from "@fawkes/protocol";
import {
  adminCloudClient,
  awsCli as aws,
  startServerProcess,
  tempDir,
  waitFor,
  type AwsCliKey,
} from "@fawkes/testing";
import type { Page } from "playwright-core";
import { assertNoHorizontalOverflow, DESKTOP, openUi, PHONE, withFailureScreenshot } from "./support.ts";

const json = (document: unknown): string => JSON.stringify(document, null, 2);

async function confirm(page: Page, name: string): Promise<void> {
  await page.getByRole("dialog").getByRole("button", { name, exact: true }).click();
}

test(
  "an administrator changes what a role allows from the UI, and the role's session feels it",
  { timeout: 240_000 },
  async (t) => {
    const server = await startServerProcess(t);
    const s3 = await adminCloudClient(t, server, "setup");
    await s3.send(new CreateBucketCommand({ Bucket: "releases" }));
    await s3.send(new PutObjectCommand({ Bucket: "releases", Key: "app.txt", Body: "build 7" }));
    const home = await tempDir(t, "fawkes-aws-home-");
    const key = await server.api.post<CreatedAccessKeyDto>(ApiRoutes.credentials, {
      name: "deployer",
      policy: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }],
      },
    });
    const asDeployer = aws(server.cloudUrl, home, key);
    await server.api.post(ApiRoutes.roles, {
      name: "reader",
      trustPolicy: {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::000000000000:user/deployer" },
            Action: "sts:AssumeRole",
          },
        ],
      },
    });
    const assumed = await asDeployer(
      "sts",
      "assume-role",
      "--role-arn",
      "arn:aws:iam::000000000000:role/reader",
      "--role-session-name",
      "ui-check",
    );
    assert.equal(assumed.code, 0, assumed.stderr);
    const credentials = (JSON.parse(assumed.stdout) as { Credentials: Record<string, string> }).Credentials;
    const session: AwsCliKey = {
      accessKeyId: credentials.AccessKeyId!,
      secretAccessKey: credentials.SecretAccessKey!,
      sessionToken: credentials.SessionToken!,
    };
    const asRole = aws(server.cloudUrl, home, session);
    const read = () => asRole("s3", "cp", "s3://releases/app.txt", "-");
    const list = () => asRole("s3api", "list-objects-v2", "--bucket", "releases");
    // No policy yet: the role allows nothing.
    assert.match((await read()).stderr, /AccessDenied|Forbidden|403/);
    assert.match((await list()).stderr, /AccessDenied/);

    const ui = await openUi(t, server, "/policies");
    const { page } = ui;
    await withFailureScreenshot(page, "iam-edit", async () => {
      // A managed policy from JSON.
      await page.getByRole("button", { name: "Create policy" }).click();
      const create = page.getByRole("dialog");
      await create.getByLabel("Name", { exact: true }).fill("list-releases");
      await create.getByLabel("Policy document (JSON)").fill(
        json({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::releases" }],
        }),
      );
      await create.getByRole("button", { name: "Create" }).click();
      await page.locator('tr[data-policy="list-releases"]').waitFor();

      // The role: a trust policy that is not JSON is refused here, a malformed one by the server, by path.
      await page.goto(`${server.url}/roles/reader`);
      await page.getByRole("button", { name: "Edit trust policy" }).click();
      const trust = page.getByLabel("Trust policy (JSON)");
      await trust.fill("{not json");
      await page.getByRole("button", { name: "Save trust policy" }).click();
      await page.getByRole("alert").filter({ hasText: "The trust policy is not JSON" }).waitFor();
      await trust.fill(json({ Version: "2012-10-17", Statement: [{ Effect: "Permit" }] }));
      await page.getByRole("button", { name: "Save trust policy" }).click();
      await page.getByRole("alert").filter({ hasText: "trustPolicy.Statement[0].Effect" }).waitFor();
      await page.getByRole("button", { name: "Cancel" }).click();
      const trustOf = async () =>
        (await server.api.get<RoleDetailsDto>(apiPath(ApiRoutes.role, { role: "reader" }))).trustPolicy;
      const deployerTrust = {
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::000000000000:user/deployer" },
        Action: "sts:AssumeRole",
      };
      assert.deepEqual((await trustOf()).Statement, [deployerTrust]);
      // A valid one is saved and shown.
      const agentsTrust = {
        Effect: "Allow",
        Principal: { Service: "ec2.amazonaws.com" },
        Action: "sts:AssumeRole",
      };
      await page.getByRole("button", { name: "Edit trust policy" }).click();
      await trust.fill(json({ Version: "2012-10-17", Statement: [deployerTrust, agentsTrust] }));
      await page.getByRole("button", { name: "Save trust policy" }).click();
      await page.getByTestId("trust-policy").filter({ hasText: "ec2.amazonaws.com" }).waitFor();
      assert.deepEqual((await trustOf()).Statement, [deployerTrust, agentsTrust]);

      // An inline policy: the session may read the object from its next request on.
      await page.getByRole("button", { name: "Add inline policy" }).click();
      await page.getByLabel("Policy name").fill("read-releases");
      await page.getByLabel("Policy document (JSON)").fill(
        json({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::releases/*" }],
        }),
      );
      await page.getByRole("button", { name: "Add policy" }).click();
      await page.locator("[data-inline-policy=read-releases]").waitFor();
      const readNow = await read();
      assert.equal(readNow.code, 0, readNow.stderr);
      assert.equal(readNow.stdout, "build 7");
      assert.match((await list()).stderr, /AccessDenied/);

      // Attach the managed policy from the picker: listing works too.
      await page.getByLabel("Managed policy").selectOption({ label: "list-releases" });
      await page.getByRole("button", { name: "Attach" }).click();
      await page.locator("[data-attached-policy=list-releases]").waitFor();
      const listed = await list();
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /app\.txt/);
      await ui.screenshot("iam-role-edit");
      await page.setViewportSize(PHONE);
      await assertNoHorizontalOverflow(page);
      await page.setViewportSize(DESKTOP);

      // The managed policy's page names the role attaching it; deleting it is refused while attached.
      await page.getByRole("link", { name: "list-releases" }).click();
      await page.getByTestId("policy-roles").getByRole("link", { name: "reader" }).waitFor();
      await ui.screenshot("iam-policies");
      await page.getByRole("button", { name: "Delete policy list-releases" }).click();
      await confirm(page, "Delete");
      await page.getByRole("dialog").getByRole("alert").waitFor();
      assert.match(
        (await page.getByRole("dialog").getByRole("alert").textContent()) ?? "",
        /attached|in use|detach/i,
      );
      await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

      // Detach and delete the inline policy: the session loses both at its next request.
      await page.goto(`${server.url}/roles/reader`);
      await page.getByRole("button", { name: "Detach list-releases" }).click();
      await confirm(page, "Detach");
      await page.getByText("None.").first().waitFor();
      await page.getByRole("button", { name: "Delete inline policy read-releases" }).click();
      await confirm(page, "Delete");
      await waitFor(async () => (await page.locator("[data-inline-policy]").count()) === 0, {
        message: "the inline policy to go",
      });
      assert.match((await read()).stderr, /AccessDenied|Forbidden|403/);
      assert.match((await list()).stderr, /AccessDenied/);

      // The live session is listed; revoking it makes the credentials fail.
      const row = page.locator(`tr[data-session="${session.accessKeyId}"]`);
      await row.waitFor();
      await row.getByRole("button", { name: `Revoke session ${session.accessKeyId}` }).click();
      await confirm(page, "Revoke");
      await row.waitFor({ state: "detached" });
      const revoked = await asRole("sts", "get-caller-identity");
      assert.notEqual(revoked.code, 0);
      assert.match(revoked.stderr, /InvalidClientTokenId/);

      // An instance profile takes the role; while it holds it, it cannot be deleted.
      await page.getByRole("link", { name: "Instance profiles" }).click();
      await page.getByRole("button", { name: "Create instance profile" }).click();
      const profile = page.getByRole("dialog");
      await profile.getByLabel("Name", { exact: true }).fill("reader-host");
      await profile.getByLabel("Role").selectOption("reader");
      await profile.getByRole("button", { name: "Create" }).click();
      const profileRow = page.locator('tr[data-instance-profile="reader-host"]');
      await profileRow.getByRole("link", { name: "reader" }).waitFor();
      await ui.screenshot("iam-instance-profiles");
      await profileRow.getByRole("button", { name: "Delete instance profile reader-host" }).click();
      await confirm(page, "Delete");
      await page.getByRole("dialog").getByRole("alert").waitFor();
      await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
      await profileRow.getByRole("button", { name: "Remove role reader from reader-host" }).click();
      await confirm(page, "Remove");
      await profileRow.getByRole("button", { name: "Add role to reader-host" }).waitFor();
      await profileRow.getByRole("button", { name: "Delete instance profile reader-host" }).click();
      await confirm(page, "Delete");
      await profileRow.waitFor({ state: "detached" });
      const profiles = await server.api.get<{ instanceProfiles: unknown[] }>(ApiRoutes.instanceProfiles);
      assert.equal(profiles.instanceProfiles.length, 0);
    });
  },
);
