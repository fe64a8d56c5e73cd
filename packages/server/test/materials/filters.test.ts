import assert from "node:assert/strict";
import { test } from "node:test";
import { shouldTrigger, type MaterialFilter } from "../../src/materials/index.ts";

test("ignore: triggers unless every changed file is ignored", () => {
  const table: [string[], MaterialFilter, boolean][] = [
    [["README.md"], { ignore: ["**/*.md"] }, false],
    [["docs/guide/a.md", "README.md"], { ignore: ["**/*.md"] }, false],
    [["README.md", "src/a.ts"], { ignore: ["**/*.md"] }, true],
    [["docs/a.png", "docs/sub/b.txt"], { ignore: ["docs/**"] }, false],
    [["docs/a.png", "src/a.ts"], { ignore: ["docs/**"] }, true],
    [["docs/a.png"], { ignore: ["docs/"] }, false],
    [["notes.txt"], { ignore: ["*.txt"] }, false],
    [["sub/notes.txt"], { ignore: ["*.txt"] }, true],
    [[".github/workflows/ci.yml"], { ignore: [".github/**"] }, false],
    [["a.md", "b.txt"], { ignore: ["*.md", "*.txt"] }, false],
    [["src/a.ts"], { ignore: [] }, true],
    [["src/a.ts"], {}, true],
    [[], { ignore: ["**/*"] }, true],
  ];
  for (const [files, filter, expected] of table) {
    assert.equal(
      shouldTrigger(files, filter),
      expected,
      `${JSON.stringify(files)} ${JSON.stringify(filter)}`,
    );
  }
});

test("includes: triggers only when some changed file is included", () => {
  const table: [string[], MaterialFilter, boolean][] = [
    [["src/a.ts"], { includes: ["src/**"] }, true],
    [["docs/a.md"], { includes: ["src/**"] }, false],
    [["docs/a.md", "src/deep/b.ts"], { includes: ["src/**"] }, true],
    [["build.gradle"], { includes: ["*.gradle"] }, true],
    [["sub/build.gradle"], { includes: ["*.gradle"] }, false],
    [["sub/build.gradle"], { includes: ["**/*.gradle"] }, true],
    [["./src/a.ts"], { includes: ["/src/**"] }, true],
    [["src\\win.ts"], { includes: ["src/*.ts"] }, true],
    [["src/a.ts"], { includes: ["src/**"], ignore: ["src/a.ts"] }, false],
    [[], { includes: ["src/**"] }, true],
  ];
  for (const [files, filter, expected] of table) {
    assert.equal(
      shouldTrigger(files, filter),
      expected,
      `${JSON.stringify(files)} ${JSON.stringify(filter)}`,
    );
  }
});
