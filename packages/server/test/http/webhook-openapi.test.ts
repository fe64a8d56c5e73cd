/** The git webhook's body is in the OpenAPI document, and what it documents is what the parser accepts. */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { parseWebhook } from "../../src/materials/index.ts";
import { WebhookPayload } from "../../src/materials/webhook-payloads.ts";

const deliveries = [
  {
    headers: { "x-github-event": "push" },
    body: { ref: "refs/heads/main", repository: { clone_url: "https://git.example/app.git" } },
  },
  {
    headers: { "x-gitea-event": "push" },
    body: { ref: "refs/heads/main", repository: { ssh_url: "git@git.example:app.git" } },
  },
  {
    headers: { "x-gitlab-event": "Push Hook" },
    body: { ref: "refs/heads/main", project: { git_http_url: "https://gitlab.example/app.git" } },
  },
  { headers: {}, body: { url: "https://git.example/app.git", branch: "main" } },
];

test("the committed OpenAPI document describes the webhook's bodies", async () => {
  const document = JSON.parse(
    await readFile(path.join(import.meta.dirname, "../../openapi.json"), "utf8"),
  ) as { paths: Record<string, { post?: { requestBody?: { required: boolean; content: object } } }> };
  const body = document.paths["/api/v1/webhooks/git"]?.post?.requestBody;
  assert.ok(body !== undefined, "POST /api/v1/webhooks/git has a requestBody");
  assert.equal(body.required, true);
  const schema = (body.content as Record<string, { schema: { anyOf?: unknown[] } }>)["application/json"]
    ?.schema;
  assert.equal(schema?.anyOf?.length, 3, "GitHub/Gitea, GitLab and generic pushes");
});

test("every documented kind of push is one the parser takes, with the URL it names", () => {
  for (const { headers, body } of deliveries) {
    assert.ok(WebhookPayload.safeParse(body).success, JSON.stringify(body));
    const parsed = parseWebhook(headers, Buffer.from(JSON.stringify(body)));
    assert.equal(parsed.urls.length, 1, JSON.stringify(body));
    assert.equal(parsed.branch, "main");
  }
  // A generic body without its url is neither documented nor accepted.
  assert.equal(WebhookPayload.safeParse({ branch: "main" }).success, false);
  assert.throws(() => parseWebhook({}, Buffer.from('{"branch":"main"}')), /generic payload must be/);
});
