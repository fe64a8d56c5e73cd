import assert from "node:assert/strict";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { ErrorCode } from "@fawkes/protocol";
import { createGitRepo, git, tempDir } from "@fawkes/testing";
import { readConfigSource } from "../../src/materials/index.ts";

async function write(root: string, files: Record<string, string>): Promise<void> {
  for (const [relative, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await writeFile(path.join(root, relative), text);
  }
}

test("a directory: *.gocd.yaml and *.gocd.yml found recursively, relative paths, junk skipped", async (t) => {
  const base = await tempDir(t);
  const dir = path.join(base, "pipelines");
  const outside = path.join(base, "outside");
  await write(dir, {
    "ci.gocd.yaml": "a: 1\n",
    "deploy/prod.gocd.yml": "b: 2\n",
    "deploy/readme.md": "no",
    "ci.yaml": "not a pipeline file",
    "node_modules/pkg/x.gocd.yaml": "skipped",
    ".git/y.gocd.yaml": "skipped",
  });
  await write(outside, { "secret.gocd.yaml": "outside" });
  await symlink(outside, path.join(dir, "escape"));
  await symlink(path.join(outside, "secret.gocd.yaml"), path.join(dir, "escape.gocd.yaml"));
  await symlink(path.join(dir, "ci.gocd.yaml"), path.join(dir, "alias.gocd.yaml"));
  await symlink(dir, path.join(dir, "deploy", "loop"));

  const snapshot = await readConfigSource(dir, { mirrorRoot: path.join(base, "mirrors") });
  assert.equal(snapshot.source, dir);
  assert.equal(snapshot.revision, null);
  assert.deepEqual(snapshot.files, [
    { path: "alias.gocd.yaml", text: "a: 1\n" },
    { path: "ci.gocd.yaml", text: "a: 1\n" },
    { path: "deploy/prod.gocd.yml", text: "b: 2\n" },
  ]);
});

test("a git repository: files at the default branch head, named <repo>/<path>", async (t) => {
  const repo = await createGitRepo(t, {
    "ci.gocd.yaml": "v: 1\n",
    "more/deploy.gocd.yml": "d: 1\n",
    "src/app.ts": "code",
  });
  const head = await repo.head();
  const mirrorRoot = path.join(await tempDir(t), "mirrors");

  const snapshot = await readConfigSource(repo.url, { mirrorRoot });
  assert.equal(snapshot.revision, head);
  assert.deepEqual(snapshot.files, [
    { path: "repo/ci.gocd.yaml", text: "v: 1\n" },
    { path: "repo/more/deploy.gocd.yml", text: "d: 1\n" },
  ]);

  // A later commit is seen on the next read (the mirror is fetched).
  const next = await repo.commit({ "ci.gocd.yaml": "v: 2\n" });
  const again = await readConfigSource(repo.url, { mirrorRoot });
  assert.equal(again.revision, next);
  assert.equal(again.files[0]!.text, "v: 2\n");
});

test("URL#branch reads that branch; a missing branch is a clear error", async (t) => {
  const repo = await createGitRepo(t, { "ci.gocd.yaml": "main\n" });
  await git(repo.path, ["checkout", "--quiet", "-b", "pipelines"]);
  const branchHead = await repo.commit({ "ci.gocd.yaml": "branch\n", "extra.gocd.yaml": "x\n" });
  await git(repo.path, ["checkout", "--quiet", "main"]);
  const mirrorRoot = path.join(await tempDir(t), "mirrors");

  const onBranch = await readConfigSource(`${repo.url}#pipelines`, { mirrorRoot });
  assert.equal(onBranch.revision, branchHead);
  assert.deepEqual(
    onBranch.files.map((f) => [f.path, f.text]),
    [
      ["repo/ci.gocd.yaml", "branch\n"],
      ["repo/extra.gocd.yaml", "x\n"],
    ],
  );
  const onMain = await readConfigSource(repo.url, { mirrorRoot });
  assert.deepEqual(
    onMain.files.map((f) => f.text),
    ["main\n"],
  );

  await assert.rejects(readConfigSource(`${repo.url}#nope`, { mirrorRoot }), {
    code: ErrorCode.configInvalid,
    message: /branch nope not found/,
  });
});

test("a bare repository directory is read as a git repository", async (t) => {
  const repo = await createGitRepo(t, { "ci.gocd.yaml": "bare\n" });
  const base = await tempDir(t);
  const bare = path.join(base, "config.git");
  await git(base, ["clone", "--quiet", "--bare", repo.path, bare]);
  const snapshot = await readConfigSource(bare, { mirrorRoot: path.join(base, "mirrors") });
  assert.equal(snapshot.revision, await repo.head());
  assert.deepEqual(snapshot.files, [{ path: "config/ci.gocd.yaml", text: "bare\n" }]);
});

test("an unreachable source fails clearly", async (t) => {
  const base = await tempDir(t);
  await assert.rejects(
    readConfigSource(path.join(base, "nothing-here"), { mirrorRoot: path.join(base, "m") }),
    {
      code: ErrorCode.materialUnreachable,
    },
  );
});
