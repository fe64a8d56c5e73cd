import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { mirrorPath, prefetchRevision } from "../src/job/git-checkout.ts";
import { git, tempDir, twoCommitRepo, waitFor } from "./support/helpers.ts";

const has = (mirror: string, revision: string): boolean => {
  try {
    execFileSync("git", ["cat-file", "-e", `${revision}^{commit}`], { cwd: mirror, stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

test("a push hint without a revision fetches the pushed commits into an existing mirror", async (t) => {
  const repo = await twoCommitRepo(t);
  const workDir = await tempDir(t);
  const mirror = mirrorPath(workDir, repo.url);
  await mkdir(dirname(mirror), { recursive: true });
  execFileSync("git", ["clone", "--mirror", "--quiet", repo.url, mirror]);
  await writeFile(join(repo.url, "version.txt"), "three\n");
  git(repo.url, "commit", "--quiet", "-am", "third");
  const third = git(repo.url, "rev-parse", "HEAD");
  assert.equal(has(mirror, third), false);

  const warnings: string[] = [];
  prefetchRevision(workDir, repo.url, undefined, (level, message) => warnings.push(`${level} ${message}`));
  await waitFor("the pushed commit in the mirror", () => has(mirror, third));
  assert.deepEqual(warnings, []);
});
