/** The Buckets page: list buckets, open a folder, follow the breadcrumbs, open an object and download it. */
import assert from "node:assert/strict";
import test from "node:test";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { adminCloudClient, startServerProcess } from "@fawkes/testing";
import { assertNoHorizontalOverflow, openUi, withFailureScreenshot } from "./support.ts";

const ODD_KEY = "releases/v1/app build 100% ü.tar.gz";

test("browse a bucket's folders and download an object", { timeout: 90_000 }, async (t) => {
  const server = await startServerProcess(t);
  const s3 = await adminCloudClient(t, server, "ui-test");
  await s3.send(new CreateBucketCommand({ Bucket: "artifacts" }));
  await s3.send(new CreateBucketCommand({ Bucket: "logs" }));
  const body = "tarball bytes ".repeat(100);
  await s3.send(
    new PutObjectCommand({
      Bucket: "artifacts",
      Key: ODD_KEY,
      Body: body,
      ContentType: "application/gzip",
      Metadata: { commit: "4f2a9c1" },
    }),
  );
  await s3.send(new PutObjectCommand({ Bucket: "artifacts", Key: "releases/v2/app.tar.gz", Body: "v2" }));
  await s3.send(new PutObjectCommand({ Bucket: "artifacts", Key: "README.md", Body: "# artifacts" }));

  const ui = await openUi(t, server, "/buckets");
  const { page } = ui;
  await withFailureScreenshot(page, "buckets", async () => {
    await page
      .getByRole("link", { name: "Buckets", exact: true })
      .and(page.locator("[aria-current=page]"))
      .waitFor();
    await page.locator('tr[data-bucket="logs"]').waitFor();
    await page.getByRole("link", { name: "artifacts" }).click();
    await page.getByRole("status").filter({ hasText: "1 folder, 1 object" }).waitFor();
    await ui.markDocument();

    await page.getByRole("link", { name: "releases/" }).click();
    await page.getByRole("link", { name: "v1/" }).click();
    const crumbs = page.getByRole("navigation", { name: "Breadcrumb" });
    await crumbs.locator("[aria-current=page]").filter({ hasText: "v1" }).waitFor();
    assert.equal(await page.title(), "releases/v1/ · artifacts · Fawkes");

    await page.getByRole("link", { name: "app build 100% ü.tar.gz" }).click();
    const details = page.getByRole("region", { name: "app build 100% ü.tar.gz" });
    await details.getByText("4f2a9c1").waitFor();
    await details.getByText("application/gzip").waitFor();
    const download = details.getByRole("link", { name: /Download/ });
    const target = new URL((await download.getAttribute("href")) ?? "", server.url);
    assert.equal(target.pathname, "/api/v1/buckets/artifacts/download");
    assert.equal(target.searchParams.get("key"), ODD_KEY);
    await ui.assertNotReloaded();
    await assertNoHorizontalOverflow(page);
    await ui.screenshot("buckets");

    // The link downloads the object's bytes (the browser's session cookie authenticates it).
    const [file] = await Promise.all([page.waitForEvent("download"), download.click()]);
    assert.equal(file.suggestedFilename(), "app build 100% ü.tar.gz");
    const saved = await file.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of saved) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), body);

    // The breadcrumbs lead back up.
    await crumbs.getByRole("link", { name: "releases" }).click();
    await page.getByRole("link", { name: "v2/" }).waitFor();
    await crumbs.getByRole("link", { name: "Buckets" }).click();
    await page.locator('tr[data-bucket="artifacts"]').waitFor();
    await ui.assertNotReloaded();
  });
});
