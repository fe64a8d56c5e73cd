/**
 * `fawkes --version`, and the launcher (bin/fawkes.js): run as a program it starts the CLI with the Node 24 of the
 * `node` package even when the `node` on PATH is older (the version line says which Node runs it); run as
 * JavaScript by a Node on PATH it still works.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "@fawkes/testing";

const launcher = join(repoRoot, "packages/cli/bin/fawkes.js");
const { version } = JSON.parse(readFileSync(join(repoRoot, "packages/cli/package.json"), "utf8")) as {
  version: string;
};
// PATH without node_modules/.bin: whatever `node` the system has (here possibly an older one).
const systemPath = "/usr/local/bin:/usr/bin:/bin";

test("fawkes --version prints the package's version and the Node.js running it", () => {
  const out = execFileSync(launcher, ["--version"], { env: { PATH: systemPath }, encoding: "utf8" });
  // The node package's Node, which also runs this test (process.execPath is node_modules/node's binary).
  assert.equal(out, `fawkes ${version} (Node.js ${process.version})\n`);
});

test("run as JavaScript by a Node on PATH, the launcher still starts the CLI", () => {
  const out = execFileSync(process.execPath, [launcher, "-V"], { encoding: "utf8" });
  assert.equal(out, `fawkes ${version} (Node.js ${process.version})\n`);
});
