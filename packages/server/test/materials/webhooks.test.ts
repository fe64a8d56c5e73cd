import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { parseWebhook, verifyWebhookSignature, type WebhookHeaders } from "../../src/materials/index.ts";

const githubPush = {
  ref: "refs/heads/main",
  before: "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
  after: "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5",
  repository: {
    id: 186853002,
    name: "app",
    full_name: "acme/app",
    html_url: "https://github.com/acme/app",
    git_url: "git://github.com/acme/app.git",
    ssh_url: "git@github.com:acme/app.git",
    clone_url: "https://github.com/acme/app.git",
    default_branch: "main",
  },
  pusher: { name: "octocat", email: "octocat@github.com" },
  commits: [
    {
      id: "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5",
      message: "Fix",
      added: [],
      removed: [],
      modified: ["README.md"],
    },
  ],
};

const gitlabPush = {
  object_kind: "push",
  ref: "refs/heads/release/1.x",
  checkout_sha: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
  project: {
    id: 15,
    name: "Diaspora",
    web_url: "https://gitlab.example.com/mike/diaspora",
    git_ssh_url: "git@gitlab.example.com:mike/diaspora.git",
    git_http_url: "https://gitlab.example.com/mike/diaspora.git",
    path_with_namespace: "mike/diaspora",
    default_branch: "main",
  },
  repository: {
    name: "Diaspora",
    url: "git@gitlab.example.com:mike/diaspora.git",
    homepage: "https://gitlab.example.com/mike/diaspora",
    git_http_url: "https://gitlab.example.com/mike/diaspora.git",
    git_ssh_url: "git@gitlab.example.com:mike/diaspora.git",
  },
  commits: [],
  total_commits_count: 0,
};

const giteaPush = {
  ref: "refs/heads/develop",
  before: "28e1879d029cb852e4844d9c718537df08844e03",
  after: "bffeb74224043ba2feb48d137756c8a9331c449a",
  repository: {
    id: 140,
    name: "webhooks",
    full_name: "gitea/webhooks",
    html_url: "http://localhost:3000/gitea/webhooks",
    ssh_url: "ssh://gitea@localhost:2222/gitea/webhooks.git",
    clone_url: "http://localhost:3000/gitea/webhooks.git",
  },
  pusher: { login: "gitea" },
};

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const hmac = (secret: string, body: Buffer) => createHmac("sha256", secret).update(body).digest("hex");

test("GitHub push: every repository url and the branch", () => {
  const parsed = parseWebhook(
    { "x-github-event": "push", "content-type": "application/json" },
    json(githubPush),
  );
  assert.deepEqual(parsed, {
    provider: "github",
    event: "push",
    branch: "main",
    urls: [
      "https://github.com/acme/app.git",
      "git@github.com:acme/app.git",
      "https://github.com/acme/app",
      "git://github.com/acme/app.git",
    ],
  });
  const tag = parseWebhook({ "X-GitHub-Event": "push" }, json({ ...githubPush, ref: "refs/tags/v1.0" }));
  assert.equal(tag.branch, null);
  assert.equal(tag.urls.length, 4);
});

test("GitHub form-encoded push and ping", () => {
  const form = Buffer.from(new URLSearchParams({ payload: JSON.stringify(githubPush) }).toString());
  const parsed = parseWebhook(
    { "x-github-event": "push", "content-type": "application/x-www-form-urlencoded" },
    form,
  );
  assert.equal(parsed.branch, "main");
  const ping = parseWebhook(
    { "x-github-event": "ping" },
    json({ zen: "Keep it logically awesome.", hook_id: 1, repository: githubPush.repository }),
  );
  assert.deepEqual(ping, { provider: "github", event: "ping", urls: [], branch: null });
});

test("GitLab push and tag push", () => {
  const parsed = parseWebhook({ "x-gitlab-event": "Push Hook" }, json(gitlabPush));
  assert.equal(parsed.provider, "gitlab");
  assert.equal(parsed.branch, "release/1.x");
  assert.deepEqual(parsed.urls.sort(), [
    "git@gitlab.example.com:mike/diaspora.git",
    "https://gitlab.example.com/mike/diaspora",
    "https://gitlab.example.com/mike/diaspora.git",
  ]);
  const tag = parseWebhook(
    { "x-gitlab-event": "Tag Push Hook" },
    json({ ...gitlabPush, object_kind: "tag_push", ref: "refs/tags/v1" }),
  );
  assert.equal(tag.branch, null);
  assert.equal(tag.urls.length, 3);
  const other = parseWebhook(
    { "x-gitlab-event": "Merge Request Hook" },
    json({ object_kind: "merge_request" }),
  );
  assert.deepEqual(other.urls, []);
});

test("Gitea and Forgejo push (Gitea also sends GitHub's header)", () => {
  const parsed = parseWebhook({ "x-gitea-event": "push", "x-github-event": "push" }, json(giteaPush));
  assert.deepEqual(parsed, {
    provider: "gitea",
    event: "push",
    branch: "develop",
    urls: [
      "http://localhost:3000/gitea/webhooks.git",
      "ssh://gitea@localhost:2222/gitea/webhooks.git",
      "http://localhost:3000/gitea/webhooks",
    ],
  });
  assert.equal(parseWebhook({ "x-forgejo-event": "push" }, json(giteaPush)).provider, "gitea");
});

test("generic payload", () => {
  assert.deepEqual(parseWebhook({}, json({ url: "/srv/git/app.git", branch: "main" })), {
    provider: "generic",
    event: "push",
    urls: ["/srv/git/app.git"],
    branch: "main",
  });
  assert.equal(parseWebhook({}, json({ url: "https://h/r.git" })).branch, null);
  assert.equal(parseWebhook({}, json({ url: "https://h/r.git", branch: "refs/heads/dev" })).branch, "dev");
});

test("malformed payloads are a clear 400", () => {
  const cases: [WebhookHeaders, Buffer, RegExp][] = [
    [{}, Buffer.from("{not json"), /not valid JSON/],
    [{}, json([1, 2]), /must be a JSON object/],
    [{}, json({ branch: "main" }), /generic payload must be/],
    [{}, json({ url: 42 }), /generic payload must be/],
    [{}, json({ url: "x", branch: 7 }), /branch must be a string/],
    [{}, json({ url: "" }), /not a usable repository url/],
    [{}, json({ url: "a\nb" }), /not a usable repository url/],
    [{ "x-github-event": "push" }, json({ ref: "refs/heads/main" }), /repository must be an object/],
    [
      { "x-github-event": "push" },
      json({ ref: 5, repository: githubPush.repository }),
      /ref must be a string/,
    ],
    [
      { "x-github-event": "push" },
      json({ repository: { clone_url: 5 } }),
      /repository\.clone_url must be a string/,
    ],
    [{ "x-github-event": "push" }, json({ repository: {} }), /names no repository url/],
    [{ "x-gitlab-event": "Push Hook" }, json({ project: "x" }), /project must be an object/],
    [
      { "x-github-event": "push", "content-type": "application/x-www-form-urlencoded" },
      Buffer.from("a=b"),
      /no payload field/,
    ],
    [{}, Buffer.alloc(2_000_000, 0x20), /exceeds the limit/],
  ];
  for (const [headers, body, message] of cases) {
    assert.throws(
      () => parseWebhook(headers, body),
      (error: unknown) => {
        assert.ok(error instanceof FawkesError, String(error));
        assert.equal(error.code, ErrorCode.webhookPayload);
        assert.equal(error.status, 400);
        assert.match(error.message, message);
        return true;
      },
      message.source,
    );
  }
});

test("signatures: GitHub, Gitea, GitLab token, generic", () => {
  const body = json(githubPush);
  const secrets = ["old-secret", "s3cret"];
  const good = hmac("s3cret", body);
  const bad = hmac("wrong", body);

  assert.equal(
    verifyWebhookSignature("github", { "x-hub-signature-256": `sha256=${good}` }, body, secrets),
    true,
  );
  assert.equal(
    verifyWebhookSignature("github", { "x-hub-signature-256": `sha256=${bad}` }, body, secrets),
    false,
  );
  assert.equal(
    verifyWebhookSignature("github", { "x-hub-signature-256": good }, body, secrets),
    false,
    "prefix required",
  );
  assert.equal(
    verifyWebhookSignature("github", { "x-hub-signature-256": "sha256=abc" }, body, secrets),
    false,
  );
  assert.equal(verifyWebhookSignature("github", {}, body, secrets), false);
  assert.equal(
    verifyWebhookSignature(
      "github",
      { "x-hub-signature-256": `sha256=${good}` },
      Buffer.from("tampered"),
      secrets,
    ),
    false,
  );
  assert.equal(
    verifyWebhookSignature("github", { "x-hub-signature-256": `sha256=${good}` }, body, []),
    false,
  );

  assert.equal(verifyWebhookSignature("gitea", { "x-gitea-signature": good }, body, secrets), true);
  assert.equal(verifyWebhookSignature("gitea", { "x-forgejo-signature": good }, body, secrets), true);
  assert.equal(
    verifyWebhookSignature("gitea", { "x-hub-signature-256": `sha256=${good}` }, body, secrets),
    true,
  );
  assert.equal(verifyWebhookSignature("gitea", { "x-gitea-signature": bad }, body, secrets), false);
  assert.equal(verifyWebhookSignature("gitea", {}, body, secrets), false);

  assert.equal(verifyWebhookSignature("gitlab", { "x-gitlab-token": "s3cret" }, body, secrets), true);
  assert.equal(verifyWebhookSignature("gitlab", { "X-Gitlab-Token": "s3cret" }, body, secrets), true);
  assert.equal(verifyWebhookSignature("gitlab", { "x-gitlab-token": "s3cre" }, body, secrets), false);
  assert.equal(verifyWebhookSignature("gitlab", {}, body, secrets), false);

  assert.equal(
    verifyWebhookSignature("generic", { "x-fawkes-signature-256": `sha256=${good}` }, body, secrets),
    true,
  );
  assert.equal(
    verifyWebhookSignature("generic", { "x-fawkes-signature-256": [`sha256=${good}`] }, body, secrets),
    true,
  );
  assert.equal(
    verifyWebhookSignature("generic", { "x-fawkes-signature-256": `sha256=${bad}` }, body, secrets),
    false,
  );
  assert.equal(
    verifyWebhookSignature("generic", { "x-hub-signature-256": `sha256=${good}` }, body, secrets),
    false,
  );
});
