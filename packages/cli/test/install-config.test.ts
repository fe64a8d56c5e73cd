/**
 * The install is quiet and keeps working as npm tightens install scripts: every dependency whose install script
 * Fawkes needs (the `node` package's preinstall, which provides the Node 24 that runs Fawkes) is approved in the
 * root package.json's `allowScripts` (npm ≥ 11.16 warns about, and npm 12 skips, unapproved scripts); `engines`
 * says what runs Fawkes and `devEngines` what may run npm, only warning.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "@fawkes/testing";

interface Manifest {
  engines?: Record<string, string>;
  devEngines?: Record<string, { name: string; version?: string; onFail?: string }>;
  devDependencies?: Record<string, string>;
  allowScripts?: Record<string, unknown>;
}
interface Lockfile {
  packages: Record<string, { version?: string; hasInstallScript?: boolean; link?: boolean }>;
}

const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as Manifest;
const lockfile = JSON.parse(readFileSync(join(repoRoot, "package-lock.json"), "utf8")) as Lockfile;

/** `name` or `name@version` keys (scoped names too), as `npm install-scripts approve` writes them. */
function parseKey(key: string): { name: string; version: string | undefined } {
  const at = key.indexOf("@", 1);
  return at < 0 ? { name: key, version: undefined } : { name: key.slice(0, at), version: key.slice(at + 1) };
}

test("allowScripts is a map of package names to booleans", () => {
  const allow = manifest.allowScripts;
  assert.ok(allow !== undefined && typeof allow === "object" && !Array.isArray(allow));
  for (const [key, value] of Object.entries(allow)) {
    assert.equal(typeof value, "boolean", `allowScripts["${key}"]`);
    assert.match(parseKey(key).name, /^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/, `allowScripts key ${key}`);
  }
});

test("every dependency with an install script in the lockfile is approved, the node package first", () => {
  const allow = manifest.allowScripts ?? {};
  const withScripts = Object.entries(lockfile.packages)
    .filter(([path, entry]) => path.startsWith("node_modules/") && entry.hasInstallScript === true)
    .map(([path, entry]) => ({
      name: path.slice(path.lastIndexOf("node_modules/") + 13),
      version: entry.version,
    }));
  assert.ok(
    withScripts.some((dependency) => dependency.name === "node"),
    "the node package (Fawkes's Node 24) has a preinstall script",
  );
  for (const dependency of withScripts) {
    const approved = Object.entries(allow).some(([key, value]) => {
      const { name, version } = parseKey(key);
      return (
        value === true &&
        name === dependency.name &&
        (version === undefined || version === dependency.version)
      );
    });
    assert.ok(approved, `${dependency.name}@${dependency.version}'s install script is not in allowScripts`);
  }
});

test("engines: Node 24 runs Fawkes (from the node package); devEngines: any Node with npm ≥ 7 installs, warning only", () => {
  assert.equal(manifest.engines?.node, ">=24");
  assert.match(manifest.devDependencies?.node ?? "", /^\^2[4-9]\./, "the node package provides Node ≥ 24");
  const { runtime, packageManager } = manifest.devEngines ?? {};
  assert.deepEqual(runtime, { name: "node", onFail: "warn" });
  assert.deepEqual(packageManager, { name: "npm", version: ">=7", onFail: "warn" });
});

test("npm itself finds no unreviewed install script", (t) => {
  let out: string;
  try {
    // The system's npm, as a user runs it; `install-scripts` exists from npm 11.16.
    out = execFileSync("npm", ["install-scripts", "ls"], {
      cwd: repoRoot,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "");
    if (/Unknown command|ENOENT/i.test(stderr + String(error))) {
      t.skip("this npm has no install-scripts command (older than 11.16)");
      return;
    }
    throw error;
  }
  assert.match(out, /No packages with unreviewed install scripts/);
});
