/**
 * The bundled example for `fawkes up`: a copy of examples/dummy-application turned into a git repository in the
 * data directory, with a post-commit hook that notifies the server so every commit starts a run at once.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { withoutMetadata } from "@fawkes/protocol/imds";

/** examples/dummy-application in this checkout (resolved from this file, not the working directory). */
export const bundledExampleDir = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../examples/dummy-application",
);

const gitEnv = withoutMetadata({ ...process.env, GIT_TERMINAL_PROMPT: "0" });

function git(cwd: string, args: string[]): void {
  execFileSync("git", args, { cwd, env: gitEnv, stdio: ["ignore", "ignore", "pipe"] });
}

/** Copies and commits the example once; later starts reuse the repository (and its history) as it is. */
export function prepareExampleRepo(dataDir: string, source = bundledExampleDir): string {
  const repo = join(dataDir, "example", "dummy-application");
  if (existsSync(join(repo, ".git"))) return repo;
  mkdirSync(dirname(repo), { recursive: true });
  cpSync(source, repo, {
    recursive: true,
    filter: (path) => !["node_modules", ".git", "packages"].includes(basename(path)) || path === source,
  });
  git(repo, ["init", "-q", "-b", "main"]);
  git(repo, ["config", "user.name", "Fawkes Example"]);
  git(repo, ["config", "user.email", "example@fawkes.invalid"]);
  git(repo, ["add", "-A"]);
  git(repo, ["commit", "-q", "-m", "Add the dummy application"]);
  return repo;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * (Re)writes `.git/hooks/post-commit`: the server URL may differ between starts. `configHome` is where `fawkes up`
 * saved the server's token: the hook reads it from there whatever the committing shell's $XDG_CONFIG_HOME says.
 */
export function installNotifyHook(
  repo: string,
  serverUrl: string,
  mainScript: string,
  options: { nodePath?: string; configHome?: string } = {},
): string {
  const hook = join(repo, ".git", "hooks", "post-commit");
  mkdirSync(dirname(hook), { recursive: true });
  const { nodePath = process.execPath, configHome } = options;
  const command = [nodePath, mainScript, "notify", "--server", serverUrl, repo].map(shellQuote);
  const env = configHome === undefined ? "" : `XDG_CONFIG_HOME=${shellQuote(configHome)} `;
  const script = [
    "#!/bin/sh",
    "# Installed by `fawkes up`: tells the Fawkes server about each commit so the pipeline runs at once.",
    `${env}${command.join(" ")} >/dev/null 2>&1 &`,
    "",
  ].join("\n");
  writeFileSync(hook, script);
  chmodSync(hook, 0o755);
  return hook;
}
