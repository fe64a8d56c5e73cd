import assert from "node:assert/strict";
import { mkdir, realpath, symlink } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { tempDir } from "@fawkes/testing";
import { normalizeRepoUrl, redactUrl, sameRepo } from "../../src/materials/index.ts";

test("every spelling of one hosted repository normalises to one form", () => {
  const spellings = [
    "https://github.com/a/b.git",
    "https://github.com/a/b",
    "https://GitHub.com/a/b/",
    "https://user:pw@github.com/a/b/",
    "https://token@github.com:443/a/b.git",
    "http://github.com:80/a/b",
    "git@github.com:a/b.git",
    "git@github.com:a/b",
    "github.com:a/b.git",
    "ssh://git@github.com/a/b",
    "ssh://git@github.com:22/a/b.git",
    "git+ssh://git@github.com/a/b.git",
    "git://github.com/a/b.git",
  ];
  for (const url of spellings) assert.equal(normalizeRepoUrl(url), "github.com/a/b", url);
});

test("different repositories, hosts and non-default ports stay apart", () => {
  const table: [string, string, boolean][] = [
    ["https://github.com/a/b", "https://github.com/a/c", false],
    ["https://github.com/a/b", "https://gitlab.com/a/b", false],
    ["https://github.com/a/b", "https://github.com/a/b/c", false],
    ["ssh://git@git.example.com:2222/a/b.git", "https://git.example.com/a/b", false],
    ["ssh://git@git.example.com:2222/a/b.git", "ssh://git@git.example.com:2222/a/b", true],
    ["https://git.example.com:8443/a/b", "https://git.example.com:8443/a/b.git", true],
    ["git@gitlab.com:group/sub/project.git", "https://gitlab.com/group/sub/project", true],
  ];
  for (const [a, b, same] of table) assert.equal(sameRepo(a, b), same, `${a} vs ${b}`);
});

test("local paths and file:// URLs compare by resolved absolute path", async (t) => {
  const dir = await tempDir(t);
  const repo = path.join(dir, "repo");
  await mkdir(repo);
  await symlink(repo, path.join(dir, "link"));
  const relative = path.relative(process.cwd(), repo);
  for (const url of [
    repo,
    `${repo}/`,
    `${repo}/.git`,
    pathToFileURL(repo).href,
    relative,
    path.join(dir, "link"),
  ]) {
    assert.ok(sameRepo(url, repo), url);
  }
  assert.equal(normalizeRepoUrl(repo), `file://${await realpath(repo)}`);
  assert.ok(!sameRepo(repo, path.join(dir, "other")));
  assert.ok(!sameRepo(repo, "https://example.com" + repo));
});

test("redactUrl hides credentials but keeps an ssh user", () => {
  assert.equal(redactUrl("https://user:pw@github.com/a/b"), "https://***@github.com/a/b");
  assert.equal(redactUrl("https://ghp_token@github.com/a/b"), "https://***@github.com/a/b");
  assert.equal(redactUrl("ssh://git@github.com/a/b"), "ssh://git@github.com/a/b");
  assert.equal(redactUrl("ssh://git:pw@github.com/a/b"), "ssh://***@github.com/a/b");
  assert.equal(
    redactUrl("fatal: unable to access 'https://u:p@h/x/': refused"),
    "fatal: unable to access 'https://***@h/x/': refused",
  );
  assert.equal(redactUrl("/srv/repo"), "/srv/repo");
});
