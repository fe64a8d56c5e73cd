import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { createGitRepo, git, tempDir, waitFor } from "@fawkes/testing";
import { GitMirror, lsRemote, runGit } from "../../src/materials/index.ts";

test("runGit returns output and exit code without a shell", async () => {
  const ok = await runGit(["--version"]);
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /^git version/);
  const bad = await runGit(["rev-parse", "--verify", "no-such-ref; echo injected"], { cwd: "/" });
  assert.notEqual(bad.code, 0);
  assert.doesNotMatch(bad.stdout, /injected/);
});

test("runGit kills git when the timeout passes", async () => {
  const started = Date.now();
  await assert.rejects(
    runGit(["-c", "alias.wait=!sleep 20", "wait"], { timeoutMs: 200 }),
    /timed out after 200 ms/,
  );
  assert.ok(Date.now() - started < 10_000);
});

test("lsRemote reads a branch head, null for a missing branch", async (t) => {
  const repo = await createGitRepo(t, { "a.txt": "a" });
  const head = await repo.head();
  assert.equal(await lsRemote(repo.path, "main"), head);
  assert.equal(await lsRemote(repo.url, "main"), head);
  assert.equal(await lsRemote(repo.path, "nope"), null);
  await git(repo.path, ["branch", "feature/x"]);
  assert.equal(await lsRemote(repo.path, "feature/x"), head);
});

test("lsRemote on an unreachable repository throws a clear error without credentials", async (t) => {
  const missing = path.join(await tempDir(t), "missing");
  await assert.rejects(lsRemote(missing, "main"), (error: unknown) => {
    assert.ok(error instanceof FawkesError);
    assert.equal(error.code, ErrorCode.materialUnreachable);
    assert.match(error.message, /cannot reach git repository .*missing/);
    return true;
  });
  await assert.rejects(
    lsRemote("https://alice:s3cret@127.0.0.1:9/org/repo.git", "main"),
    (error: unknown) => {
      assert.ok(error instanceof FawkesError);
      assert.doesNotMatch(error.message, /s3cret|alice/);
      assert.match(error.message, /127\.0\.0\.1:9\/org\/repo\.git/);
      return true;
    },
  );
  await assert.rejects(lsRemote("--upload-pack=touch /tmp/x", "main"), /invalid git repository url/);
  await assert.rejects(lsRemote(missing, "-bad"), /invalid git branch name/);
});

test("GitMirror clones, fetches, and lists commits with their files newest first", async (t) => {
  const repo = await createGitRepo(t, { "README.md": "hello" });
  const first = await repo.head();
  const mirror = new GitMirror(path.join(await tempDir(t), "mirrors"));

  const cloned = await mirror.ensure(repo.path);
  assert.equal(cloned.dir, mirror.dirFor(repo.path));
  assert.match(path.basename(cloned.dir), /^[0-9a-f]{16}\.git$/);
  assert.equal(await cloned.hasCommit(first), true);
  assert.deepEqual(
    (await cloned.commitsBetween(null, first)).map((c) => [c.sha, c.subject, c.files]),
    [[first, "initial commit", ["README.md"]]],
  );

  const second = await repo.commit({ "src/a.ts": "a", "docs/x.md": "x" }, "add source");
  const third = await repo.commit({ "src/a.ts": "b" }, "change source");
  assert.equal(await cloned.hasCommit(third), false, "not fetched yet");
  const fetched = await mirror.ensure(repo.path);
  assert.equal(await fetched.hasCommit(third), true);

  const commits = await fetched.commitsBetween(first, third);
  assert.deepEqual(
    commits.map((c) => ({ sha: c.sha, subject: c.subject, files: c.files.sort() })),
    [
      { sha: third, subject: "change source", files: ["src/a.ts"] },
      { sha: second, subject: "add source", files: ["docs/x.md", "src/a.ts"] },
    ],
  );
  assert.equal(commits[0]!.author, "Fawkes Test <test@fawkes.invalid>");
  assert.ok(Math.abs(commits[0]!.time - Date.now()) < 60_000, "time is epoch ms");
  assert.equal((await fetched.commitsBetween(first, third, 1)).length, 1);
  // One read serves every limit once it holds the whole range; reordering an answer changes no later one.
  (await fetched.commitsBetween(first, third, 1000)).reverse();
  assert.deepEqual(
    (await fetched.commitsBetween(first, third, 1)).map((c) => c.sha),
    [third],
  );
  assert.deepEqual(
    (await fetched.commitsBetween(first, third)).map((c) => c.sha),
    [third, second],
  );

  assert.deepEqual((await fetched.changedFiles(first, third)).sort(), ["docs/x.md", "src/a.ts"]);
  assert.deepEqual(await fetched.changedFiles(null, third), ["src/a.ts"]);

  assert.equal(await fetched.resolve(third.slice(0, 8)), third);
  assert.equal(await fetched.resolve("main"), third);
  assert.equal(await fetched.resolve("0000000"), null);
  assert.equal(await fetched.resolve("--all"), null);
  await assert.rejects(fetched.commitsBetween(null, "deadbeef"), { code: ErrorCode.invalidRevision });
});

test("GitMirror prunes deleted branches and reads files at a revision", async (t) => {
  const repo = await createGitRepo(t, {
    "ci.gocd.yaml": "format_version: 10\n",
    "nested/deploy.gocd.yaml": "pipelines: {}\n",
    "notes.txt": "ignored",
  });
  const old = await repo.head();
  await git(repo.path, ["branch", "feature"]);
  const mirror = new GitMirror(path.join(await tempDir(t), "mirrors"));
  let mirrored = await mirror.ensure(repo.url);
  assert.notEqual(await mirrored.resolve("refs/heads/feature"), null);

  await repo.commit({ "ci.gocd.yaml": "format_version: 9\n" }, "downgrade");
  await git(repo.path, ["branch", "-D", "feature"]);
  mirrored = await mirror.ensure(repo.url);
  assert.equal(await mirrored.resolve("refs/heads/feature"), null);

  const atOld = await mirrored.readFiles(old, (p) => p.endsWith(".gocd.yaml"));
  assert.deepEqual(atOld, [
    { path: "ci.gocd.yaml", text: "format_version: 10\n" },
    { path: "nested/deploy.gocd.yaml", text: "pipelines: {}\n" },
  ]);
  const atHead = await mirrored.readFiles("main", (p) => p === "ci.gocd.yaml");
  assert.deepEqual(atHead, [{ path: "ci.gocd.yaml", text: "format_version: 9\n" }]);
  assert.deepEqual(await mirrored.readFiles("main", () => false), []);
});

test("GitMirror coalesces concurrent ensure() calls into one git process", async (t) => {
  const repo = await createGitRepo(t, { "a.txt": "a" });
  const dir = await tempDir(t);
  // A git on PATH that records each invocation, then runs the real one.
  const bin = path.join(dir, "bin");
  const log = path.join(dir, "git.log");
  await mkdir(bin);
  const realGit = (process.env.PATH ?? "")
    .split(":")
    .map((entry) => path.join(entry, "git"))
    .find((candidate) => existsSync(candidate));
  assert.ok(realGit, "git is on PATH");
  await writeFile(path.join(bin, "git"), `#!/bin/sh\necho "$*" >> "${log}"\nexec "${realGit}" "$@"\n`);
  // The git command of each invocation, past any `-c key=value`.
  const commands = async () =>
    (await readFile(log, "utf8"))
      .trim()
      .split("\n")
      .map((line) => line.replace(/^(-c \S+ )+/, "").split(" ")[0]);
  await chmod(path.join(bin, "git"), 0o755);
  const savedPath = process.env.PATH;
  process.env.PATH = `${bin}:${savedPath ?? ""}`;
  t.after(() => {
    process.env.PATH = savedPath;
  });

  const mirror = new GitMirror(path.join(dir, "mirrors"));
  const repos = await Promise.all([
    mirror.ensure(repo.path),
    mirror.ensure(repo.path),
    mirror.ensure(repo.path),
  ]);
  assert.ok(repos.every((r) => r.dir === repos[0]!.dir));
  assert.deepEqual(await commands(), ["clone"]);

  await writeFile(log, "");
  await Promise.all([mirror.ensure(repo.path), mirror.ensure(repo.path)]);
  assert.deepEqual(await commands(), ["fetch"]);
  assert.match(
    await readFile(log, "utf8"),
    /^-c maintenance\.auto=false fetch /,
    "no fetch maintains itself",
  );

  // Git's auto-maintenance runs in the background once every 50 fetches instead.
  await writeFile(log, "");
  for (let fetch = 2; fetch <= 50; fetch++) await mirror.ensure(repo.path);
  await waitFor(async () => (await commands()).includes("maintenance"), { message: "maintenance" });
  const counts = Map.groupBy(await commands(), (command) => command);
  assert.equal(counts.get("fetch")?.length, 49);
  assert.equal(counts.get("maintenance")?.length, 1);
});

test("GitMirror.ensure fails clearly for an unreachable repository", async (t) => {
  const mirror = new GitMirror(path.join(await tempDir(t), "mirrors"));
  await assert.rejects(mirror.ensure("https://bob:hunter2@127.0.0.1:9/r.git"), (error: unknown) => {
    assert.ok(error instanceof FawkesError);
    assert.equal(error.code, ErrorCode.materialUnreachable);
    assert.doesNotMatch(error.message, /hunter2|bob/);
    return true;
  });
});
