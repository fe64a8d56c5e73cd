import assert from "node:assert/strict";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";

// The repository's own eslint.config.js, run on small fixture files written inside the packages (the config and
// the tsconfig apply by path; typed linting and the cycle check need real files): each wall of DESIGN.md §4 must
// fail on the import it forbids and stay quiet on a legal one.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const folder = `__lint_fixtures_${process.pid}`;

const fixtures = {
  legal: [
    `packages/agent/src/${folder}/legal.ts`,
    'import { ApiRoutes } from "@fawkes/protocol";\nexport const routes = ApiRoutes;\n',
  ],
  agentImportsServer: [
    `packages/agent/src/${folder}/edge.ts`,
    'import { startServer } from "@fawkes/server";\nexport const start = startServer;\n',
  ],
  cloudImportsServer: [
    `packages/cloud/src/${folder}/edge.ts`,
    'import { startServer } from "@fawkes/server";\nexport const start = startServer;\n',
  ],
  coreImportsNodeFs: [
    `packages/core/src/${folder}/node.ts`,
    'import { readFileSync } from "node:fs";\nexport const read = readFileSync;\n',
  ],
  escape: [
    `packages/agent/src/${folder}/escape.ts`,
    'import * as other from "../../../server/src/index.ts";\nexport const it = other;\n',
  ],
  deeperEscape: [
    `packages/agent/src/${folder}/deep/escape.ts`,
    'import * as other from "../../../../core/src/index.ts";\nexport const it = other;\n',
  ],
  // yaml is installed (core declares it) but absent from packages/server/package.json.
  undeclared: [
    `packages/server/src/${folder}/undeclared.ts`,
    'import { parse } from "yaml";\nexport const read = parse;\n',
  ],
  floating: [
    `packages/server/src/${folder}/floating.ts`,
    "async function work(): Promise<number> {\n  return 1;\n}\nexport function start(): void {\n  work();\n}\n",
  ],
  cycleA: [
    `packages/core/src/${folder}/cycle-a.ts`,
    'import { b } from "./cycle-b.ts";\nexport const a = (): number => b() + 1;\n',
  ],
  cycleB: [
    `packages/core/src/${folder}/cycle-b.ts`,
    'import { a } from "./cycle-a.ts";\nexport const b = (): number => a() - 1;\n',
  ],
} as const;
type Fixture = keyof typeof fixtures;

const fired = new Map<string, string[]>();
const folders = ["agent", "cloud", "core", "server"].map((pkg) =>
  path.join(root, "packages", pkg, "src", folder),
);

before(async () => {
  for (const [file, source] of Object.values(fixtures)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), source);
  }
  const results = await new ESLint({ cwd: root }).lintFiles(Object.values(fixtures).map(([file]) => file));
  for (const result of results) {
    const rules = result.messages.map((message) => message.ruleId ?? `fatal: ${message.message}`);
    fired.set(path.relative(root, result.filePath), rules);
  }
});
after(() => Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true }))));

function assertFires(fixture: Fixture, rule: string): void {
  const [file] = fixtures[fixture];
  const rules = fired.get(file);
  assert.ok(rules, `${file} was not linted`);
  assert.ok(rules.includes(rule), `${file}: expected ${rule}, got [${rules.join(", ")}]`);
}

test("a file that keeps to its package's edges passes", () => {
  assert.deepEqual(fired.get(fixtures.legal[0]), []);
});

test("agent importing @fawkes/server is a forbidden edge", () => {
  assertFires("agentImportsServer", "no-restricted-imports");
});

test("cloud importing @fawkes/server is a forbidden edge", () => {
  assertFires("cloudImportsServer", "no-restricted-imports");
});

test("core importing node:fs breaks isomorphism", () => {
  assertFires("coreImportsNodeFs", "no-restricted-imports");
});

test("a relative import into another package is refused whatever its depth", () => {
  assertFires("escape", "import-x/no-relative-packages");
  assertFires("deeperEscape", "import-x/no-relative-packages");
});

test("a server file importing a package the server does not declare fails", () => {
  assertFires("undeclared", "import-x/no-extraneous-dependencies");
});

test("an un-awaited promise fails", () => {
  assertFires("floating", "@typescript-eslint/no-floating-promises");
});

test("a two-file import cycle fails in both files", () => {
  assertFires("cycleA", "import-x/no-cycle");
  assertFires("cycleB", "import-x/no-cycle");
});
