/**
 * The README's and the tutorial's shell blocks, run in order against a fresh `fawkes up` as a reader would run
 * them, so the docs cannot drift from what Fawkes does. Only blocks marked `<!-- docs-test: illustrative -->`
 * are skipped (placeholders, real AWS, the test suite itself); the block marked `start` is the start command,
 * which the test runs as `npm start` does (`fawkes up`, on a fresh data directory and free ports).
 *
 * Before each command the reader waits for what they started to finish: every run of the pipeline ended and
 * the repository's last commit built. A transcript's output is compared line by line without what differs
 * between runs (numbers, ids, column widths); ids the docs show (an instance's, a stack's address) are replaced
 * by those of this run in later commands, as a reader copies them from their own output.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  git,
  normalizeOutput,
  repoRoot,
  shellBlocks,
  startUpProcess,
  tempDir,
  waitFor,
  type ShellBlock,
  type UpProcess,
  phoenixSkip,
} from "@fawkes/testing";

const skip = phoenixSkip();

const PIPELINE = "dummy-application";
const START_COMMAND = "npm install && npm start";

interface Shell {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Text the docs show → this run's: addresses and ids learnt from matching output. */
  substitutions: Map<string, string>;
  /** The application's stable address: the only one of 127.101.0.0/16 the docs show. */
  appHost: string;
}

/** Runs `script` in bash from the shell's directory and environment; returns where it left them. */
function run(
  shell: Shell,
  script: string,
): Promise<{ code: number; output: string; cwd: string; env: NodeJS.ProcessEnv }> {
  const marker = "--- docs-test state ---";
  return new Promise((resolve) => {
    execFile(
      "bash",
      ["-e", "-o", "pipefail", "-c", `${script}\necho; echo '${marker}'; pwd; env -0`],
      { cwd: shell.cwd, env: shell.env, maxBuffer: 16 * 1024 * 1024, timeout: 180_000 },
      (error, stdout, stderr) => {
        const at = stdout.lastIndexOf(`\n${marker}\n`);
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        if (at === -1) return resolve({ code, output: stdout + stderr, cwd: shell.cwd, env: shell.env });
        const [cwd, ...variables] = stdout.slice(at + marker.length + 2).split("\n");
        const env = Object.fromEntries(
          variables
            .join("\n")
            .split("\0")
            .filter((entry) => entry.includes("="))
            .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
        );
        resolve({ code, output: stdout.slice(0, at) + stderr, cwd: cwd!, env });
      },
    );
  });
}

function substitute(shell: Shell, text: string): string {
  let result = text;
  for (const [shown, actual] of shell.substitutions) result = result.split(shown).join(actual);
  return result.replace(/\b127\.101\.\d+\.\d+\b/g, shell.appHost);
}

/** Tokens that name this run's things: instance and association ids, stack ids, addresses. */
const ID = /\b(?:i-[0-9a-f]{17}|eipassoc-[0-9a-f]{17}|127\.100\.\d+\.\d+)\b/g;

/** Expected lines must appear in order; matching ones teach the substitutions of their ids. */
function compare(shell: Shell, command: string, expected: readonly string[], output: string): void {
  const actual = output.split("\n");
  let from = 0;
  for (const line of expected) {
    if (line.trim() === "" || line.trim() === "…") continue;
    const want = normalizeOutput(substitute(shell, line));
    const found = actual.findIndex(
      (candidate, index) => index >= from && normalizeOutput(candidate) === want,
    );
    assert.notEqual(
      found,
      -1,
      `\`${command}\` printed no line like\n  ${line}\nin order; it printed:\n${output}`,
    );
    const shownIds = line.match(ID) ?? [];
    const actualIds = actual[found]!.match(ID) ?? [];
    shownIds.forEach((id, index) => {
      if (actualIds[index] !== undefined && !shell.substitutions.has(id))
        shell.substitutions.set(id, actualIds[index]);
    });
    from = found + 1;
  }
}

/** What a reader waits for before the next command: the pipeline idle, the last commit built. */
async function settle(up: UpProcess): Promise<void> {
  const head = await git(up.repo, ["rev-parse", "HEAD"]);
  await waitFor(
    async () => {
      const status = (await up.api.status(PIPELINE)) as {
        runs: { result: string; materials: { revision: string }[] }[];
      };
      const built = status.runs.some((r) => r.materials.some((m) => m.revision === head));
      return built && status.runs.every((r) => r.result !== "building");
    },
    {
      timeoutMs: 180_000,
      message: `${PIPELINE} idle with ${head.slice(0, 8)} built`,
      abortIf: () => (up.process.hasExited() ? up.output() : undefined),
    },
  );
}

async function runDoc(t: import("node:test").TestContext, file: string): Promise<void> {
  const blocks = shellBlocks(readFileSync(join(repoRoot, file), "utf8"));
  const starts = blocks.filter((block) => block.role === "start");
  assert.deepEqual(
    starts.map((block) => block.text),
    [START_COMMAND],
    `${file}: one block marked start, \`${START_COMMAND}\``,
  );
  const packageJson = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  assert.match(packageJson.scripts.start ?? "", / up$/, "npm start runs fawkes up");

  const up = await startUpProcess(t);
  // "In a clone of this repository": a directory whose .fawkes is the server's data directory.
  const clone = await tempDir(t, "fawkes-docs-clone-");
  symlinkSync(up.dataDir, join(clone, ".fawkes"));
  // The checkout's package, so `npx fawkes` finds the local CLI as it does in a clone.
  for (const entry of ["package.json", "node_modules"])
    symlinkSync(join(repoRoot, entry), join(clone, entry));
  // A job's own `node --test` must not report to this test runner (it would pass whatever its tests do).
  const { NODE_TEST_CONTEXT: _, ...environment } = process.env;
  const shell: Shell = {
    cwd: clone,
    env: {
      ...environment,
      // Without the checkout's node_modules/.bin: the docs must say how to reach `fawkes`.
      PATH: (process.env.PATH ?? "")
        .split(":")
        .filter((dir) => !dir.includes("node_modules"))
        .join(":"),
      XDG_CONFIG_HOME: up.configHome,
      FAWKES_SERVER: up.url,
      GIT_TERMINAL_PROMPT: "0",
    },
    appHost: new URL(up.appUrl).hostname,
    substitutions: new Map([
      ["http://127.0.0.1:8153", up.url],
      ["http://127.0.0.1:8154", up.cloudUrl],
      // The banner's key, as the reader copies it.
      ["AWS_ACCESS_KEY_ID=AKIA…", `AWS_ACCESS_KEY_ID=${up.accessKey.accessKeyId}`],
      ["AWS_SECRET_ACCESS_KEY=…", `AWS_SECRET_ACCESS_KEY=${up.accessKey.secretAccessKey}`],
    ]),
  };
  const ran: ShellBlock[] = [];
  for (const block of blocks.slice(blocks.indexOf(starts[0]!) + 1)) {
    if (block.role !== "run") continue;
    ran.push(block);
    const commands = block.commands ?? [{ command: block.text, expected: [] }];
    for (const { command, expected } of commands) {
      await settle(up);
      const script = substitute(shell, command);
      const result = await run(shell, script);
      assert.equal(
        result.code,
        0,
        `${file}:${block.line}: \`${script}\` exited ${result.code}:\n${result.output}\n${up.output()}`,
      );
      compare(shell, `${file}:${block.line}: ${command}`, expected, result.output);
      // The next command starts where this one left the reader: its directory and exported variables.
      shell.cwd = result.cwd;
      shell.env = result.env;
    }
  }
  t.diagnostic(`${file}: ${ran.length} blocks run`);
  assert.ok(ran.length > 0, `${file}: no block ran`);
}

for (const file of ["README.md", "docs/tutorial.md"])
  test(`every shell block of ${file} does what it says`, { skip, timeout: 900_000 }, (t) => runDoc(t, file));
