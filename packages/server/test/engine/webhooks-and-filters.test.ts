/** Webhooks (HMAC verified), material filters, and one run per commit with run_every_commit. */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import test from "node:test";
import { createGitRepo, startFawkes, waitFor, waitForRun, yamlString } from "@fawkes/testing";

const SECRET = "s3cret-webhook";
const yaml = (signed: string, filtered: string) => `
format_version: 10
pipelines:
  signed:
    materials:
      src: {git: ${yamlString(signed)}, branch: main, webhook_secret: ${SECRET}}
    stages:
      - s: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
  filtered:
    materials:
      src: {git: ${yamlString(filtered)}, branch: main, ignore: ["docs/**", "*.md"], run_every_commit: true}
    stages:
      - s: {jobs: {j: {tasks: [{exec: {command: sh, arguments: ["-c", "echo rev=$GO_REVISION"]}}]}}}
`;

test("a GitHub webhook must carry the material's HMAC signature", { timeout: 60_000 }, async (t) => {
  const signed = await createGitRepo(t, null);
  const filtered = await createGitRepo(t, null);
  const fawkes = await startFawkes(t, {
    pipelineFiles: { "w.gocd.yaml": yaml(signed.path, filtered.path) },
    expectPipelines: ["signed", "filtered"],
  });
  await fawkes.diagnose(async () => {
    await signed.commit({ "a.txt": "1" });
    const body = JSON.stringify({
      ref: "refs/heads/main",
      repository: { clone_url: signed.url, html_url: signed.url },
    });
    const post = (signature: string | null) =>
      fetch(`${fawkes.server.url}/api/v1/webhooks/git`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "push",
          ...(signature && { "x-hub-signature-256": signature }),
        },
        body,
      });
    const unsigned = await post(null);
    assert.equal(unsigned.status, 401);
    assert.equal(((await unsigned.json()) as { code: string }).code, "FAWKES_WEBHOOK_SIGNATURE_INVALID");
    const wrong = await post("sha256=" + createHmac("sha256", "other").update(body).digest("hex"));
    assert.equal(wrong.status, 401);
    assert.equal((await fawkes.api.status("signed")).runs.length, 0, "a rejected webhook triggers nothing");
    const good = await post("sha256=" + createHmac("sha256", SECRET).update(body).digest("hex"));
    assert.equal(good.status, 202);
    const run = await waitForRun(fawkes.api, "signed", 1, (r) => r.result !== "building");
    assert.equal(run.result, "passed");

    const malformed = await fetch(`${fawkes.server.url}/api/v1/webhooks/git`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { code: string }).code, "FAWKES_WEBHOOK_PAYLOAD_INVALID");
  });
});

test(
  "ignored paths do not trigger; run_every_commit gives one run per commit",
  { timeout: 60_000 },
  async (t) => {
    const signed = await createGitRepo(t, null);
    const filtered = await createGitRepo(t, null);
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "w.gocd.yaml": yaml(signed.path, filtered.path) },
      expectPipelines: ["signed", "filtered"],
    });
    const { api } = fawkes;
    await fawkes.diagnose(async () => {
      await filtered.commit({ "src/a.txt": "1" }, "first");
      await api.notify(filtered.path);
      await waitForRun(api, "filtered", 1, (r) => r.result === "passed");

      const docsOnly = await filtered.commit({ "docs/guide.txt": "x", "README.md": "y" }, "docs");
      await api.notify(filtered.path);
      const c1 = await filtered.commit({ "src/a.txt": "2" }, "code 1");
      const c2 = await filtered.commit({ "src/b.txt": "3" }, "code 2");
      await api.notify(filtered.path);
      const third = await waitForRun(api, "filtered", 3, (r) => r.result === "passed");
      const second = await api.run("filtered", 2);
      assert.equal(second.materials[0]?.revision, c1, "the first code commit runs on its own");
      assert.equal(third.materials[0]?.revision, c2);
      await waitFor(async () => (await api.status("filtered")).runs.every((r) => r.result === "passed"), {
        timeoutMs: 10_000,
        message: "runs done",
      });
      const revisions = (await api.status("filtered")).runs.map((r) => r.materials[0]?.revision);
      assert.ok(!revisions.includes(docsOnly), "a docs-only commit never gets its own run");
      assert.equal(revisions.length, 3);
    });
  },
);
