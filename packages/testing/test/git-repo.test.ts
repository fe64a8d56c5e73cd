import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { createGitRepo, git } from "@fawkes/testing";

test("createGitRepo makes a main-branch repository whose first commit holds the files", async (t) => {
  const repo = await createGitRepo(t, { "README.md": "hello\n", "src/app.sh": "echo hi\n" });
  assert.equal(await git(repo.path, ["rev-parse", "--abbrev-ref", "HEAD"]), "main");
  assert.equal(await git(repo.path, ["show", "HEAD:src/app.sh"]), "echo hi");
  assert.equal(fileURLToPath(repo.url), repo.path);
  assert.match(await repo.head(), /^[0-9a-f]{40}$/);
});

test("commit returns the new HEAD and records changes and removals", async (t) => {
  const repo = await createGitRepo(t, { ok: "", "a.txt": "1" });
  const first = await repo.head();
  await repo.remove("ok");
  const second = await repo.commit({ "a.txt": "2", "dir/b.txt": "b" }, "second");
  assert.notEqual(second, first);
  assert.equal(second, await repo.head());
  assert.equal(await git(repo.path, ["log", "-1", "--format=%s"]), "second");
  assert.equal(await git(repo.path, ["ls-tree", "-r", "--name-only", "HEAD"]), "a.txt\ndir/b.txt");
  assert.equal(await readFile(path.join(repo.path, "a.txt"), "utf8"), "2");
});

test("the repository is reachable as a remote the way a material is: ls-remote on its path and URL", async (t) => {
  const repo = await createGitRepo(t, { x: "1" });
  const sha = await repo.head();
  for (const remote of [repo.path, repo.url]) {
    const refs = await git(repo.path, ["ls-remote", remote, "refs/heads/main"]);
    assert.equal(refs.split("\t")[0], sha);
  }
});

test("file paths may not escape the repository", async (t) => {
  const repo = await createGitRepo(t);
  await assert.rejects(repo.commit({ "../outside": "x" }), /escapes the repository/);
});

test("the repository's temp dir is removed when the test ends", async (t) => {
  let repoPath = "";
  await t.test("inner", async (inner) => {
    repoPath = (await createGitRepo(inner, { x: "1" })).path;
    assert.ok(existsSync(repoPath));
  });
  assert.equal(existsSync(repoPath), false);
});

test("createGitRepo(t, null) has no commit until the first one", async (t) => {
  const repo = await createGitRepo(t, null);
  assert.equal(await git(repo.path, ["ls-remote", repo.path, "refs/heads/main"]), "");
  const sha = await repo.commit({ a: "1" }, "first");
  assert.equal((await git(repo.path, ["ls-remote", repo.path, "refs/heads/main"])).split("\t")[0], sha);
});
