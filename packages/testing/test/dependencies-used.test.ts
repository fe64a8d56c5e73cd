import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";

// The lint fails on an import a package.json does not declare; this is the other half: a declared dependency
// nothing imports is dead weight in every install and a false edge in the package graph.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Declared but never imported, on purpose. */
const USED_WITHOUT_IMPORT: Record<string, string> = {
  "@types/react": "type declarations the compiler reads for react",
  "@types/react-dom": "type declarations the compiler reads for react-dom",
  "@types/pg": "type declarations the compiler reads for pg",
  "@types/pg-cursor": "type declarations the compiler reads for pg-cursor",
  vite: "web's build and dev scripts run it",
};

const importPattern = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"'.][^"']*)["']/g;

/** The npm package an import specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

async function importedBy(dir: string, names: readonly string[]): Promise<Set<string>> {
  const imported = new Set<string>();
  for (const name of names) {
    const entries = await readdir(path.join(dir, name), { recursive: true, withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT" || error.code === "ENOTDIR") return [];
        throw error;
      },
    );
    const files = entries
      .filter((entry) => entry.isFile() && /\.(ts|tsx|js)$/.test(entry.name))
      .map((entry) => path.join(entry.parentPath, entry.name));
    if (/\.(ts|js)$/.test(name)) files.push(path.join(dir, name));
    for (const file of files) {
      const source = await readFile(file, "utf8").catch(() => "");
      for (const match of source.matchAll(importPattern)) imported.add(packageOf(match[1] ?? ""));
    }
  }
  return imported;
}

test("every dependency a workspace package declares is imported by that package", async () => {
  const packages = (await readdir(path.join(root, "packages"))).sort();
  assert.ok(packages.length >= 8, `found only ${packages.join(", ")}`);
  const unused: string[] = [];
  for (const pkg of packages) {
    const dir = path.join(root, "packages", pkg);
    const manifest = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    // What it ships must be used by what it ships; its devDependencies by its tests, scripts or build config.
    const shipped = await importedBy(dir, ["src", "bin"]);
    const anywhere = await importedBy(dir, ["src", "bin", "test", "scripts", "vite.config.ts"]);
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      if (!shipped.has(name) && !(name in USED_WITHOUT_IMPORT)) unused.push(`${pkg}: dependencies.${name}`);
    }
    for (const name of Object.keys(manifest.devDependencies ?? {})) {
      if (!anywhere.has(name) && !(name in USED_WITHOUT_IMPORT))
        unused.push(`${pkg}: devDependencies.${name}`);
    }
  }
  assert.deepEqual(
    unused,
    [],
    "declared but never imported: remove them, or explain them in USED_WITHOUT_IMPORT",
  );
});

test("the import scan sees the forms the code uses", () => {
  const source = [
    'import { z } from "zod";',
    'import type { FastifyInstance } from "fastify";',
    'export { parse } from "yaml";',
    'const s3 = await import("@aws-sdk/client-s3");',
    'import "pino/file";',
    'import { local } from "./local.ts";',
  ].join("\n");
  const found = [...source.matchAll(importPattern)].map((match) => packageOf(match[1] ?? ""));
  assert.deepEqual(found, ["zod", "fastify", "yaml", "@aws-sdk/client-s3", "pino"]);
});
