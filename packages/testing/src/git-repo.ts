import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { CleanupScope } from "./cleanup.ts";
import { git } from "./git.ts";
import { tempDir } from "./temp-dir.ts";

/** A real git repository with a working tree on branch `main`, in a temp dir removed when the test ends. */
export interface GitRepo {
  /** Absolute path of the working tree (git accepts it as a remote URL). */
  readonly path: string;
  /** The same repository as a file:// URL. */
  readonly url: string;
  /** Write (or overwrite) `files` (relative path → content), stage everything, commit; returns the new SHA. */
  commit(files: Record<string, string>, message?: string): Promise<string>;
  /** SHA of HEAD. */
  head(): Promise<string>;
  /** Delete a file from the working tree and the index; the next `commit` records it. */
  remove(relativePath: string): Promise<void>;
}

/**
 * Create a repository whose first commit holds `files`; `null` leaves it without any commit (its branch does not
 * exist yet, so a server watching it sees nothing until the first `commit`).
 */
export async function createGitRepo(
  t: CleanupScope,
  files: Record<string, string> | null = {},
): Promise<GitRepo> {
  const root = path.join(await tempDir(t, "fawkes-repo-"), "repo");
  await mkdir(root);
  await git(root, ["init", "--quiet", "-b", "main"]);
  await git(root, ["config", "user.name", "Fawkes Test"]);
  await git(root, ["config", "user.email", "test@fawkes.invalid"]);
  await git(root, ["config", "commit.gpgsign", "false"]);

  const repo: GitRepo = {
    path: root,
    url: pathToFileURL(root).href,
    async commit(changes, message = "change") {
      for (const [relative, content] of Object.entries(changes)) {
        const file = inside(root, relative);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, content);
      }
      await git(root, ["add", "--all"]);
      await git(root, ["commit", "--quiet", "--allow-empty", "-m", message]);
      return repo.head();
    },
    head: () => git(root, ["rev-parse", "HEAD"]),
    async remove(relative) {
      await rm(inside(root, relative), { recursive: true, force: true });
      await git(root, ["add", "--all"]);
    },
  };
  if (files !== null) await repo.commit(files, "initial commit");
  return repo;
}

function inside(root: string, relative: string): string {
  const file = path.resolve(root, relative);
  if (!file.startsWith(root + path.sep)) throw new Error(`path ${relative} escapes the repository`);
  return file;
}
