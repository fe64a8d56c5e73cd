import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeOutput, shellBlocks } from "../src/shell-blocks.ts";

test("sh blocks with their markers, prompts and expected output; other blocks are not shell", () => {
  const markdown = [
    "# Doc",
    "<!-- docs-test: start -->",
    "",
    "```sh",
    "npm install && npm start",
    "```",
    "```yaml",
    "a: b",
    "```",
    "```",
    "a banner, not shell",
    "```",
    "```",
    "$ a transcript",
    "out",
    "```",
    "```sh",
    "$ fawkes status app",
    "RUN  RESULT",
    "1    passed",
    "$ true",
    "```",
    "1. a list item:",
    "   <!-- docs-test: illustrative -->",
    "   ```sh",
    "   aws iam create-open-id-connect-provider \\",
    "     --url https://x",
    "   ```",
    "```sh",
    "cd repo",
    "git commit -qam change",
    "```",
  ].join("\n");
  const blocks = shellBlocks(markdown);
  assert.deepEqual(
    blocks.map((block) => [block.line, block.role]),
    [
      [4, "start"],
      [13, "run"],
      [17, "run"],
      [25, "illustrative"],
      [29, "run"],
    ],
  );
  assert.deepEqual(blocks[1]!.commands, [{ command: "a transcript", expected: ["out"] }]);
  assert.deepEqual(blocks[2]!.commands, [
    { command: "fawkes status app", expected: ["RUN  RESULT", "1    passed"] },
    { command: "true", expected: [] },
  ]);
  assert.equal(blocks[3]!.text, "aws iam create-open-id-connect-provider \\\n  --url https://x");
  assert.equal(blocks[4]!.commands, undefined);
  assert.equal(blocks[4]!.text, "cd repo\ngit commit -qam change");
});

test("a block that never ends, or output before any prompt, is an error naming it", () => {
  assert.throws(() => shellBlocks("text\n```sh\nls\n"), /line 2: the sh block never ends/);
  assert.throws(() => shellBlocks("```sh\noutput\n$ ls\n```\n"), /output before the first "\$ " command/);
});

test("output is compared without numbers, ids and column widths", () => {
  assert.equal(
    normalizeOutput("2    2      passed  material by changes  test:passed"),
    normalizeOutput("13   13     passed  material by changes  test:passed"),
  );
  assert.equal(normalizeOutput("  InstanceId=i-71367e753914bb93f"), "InstanceId=i-ID");
  assert.equal(normalizeOutput("id: AROANOCJM6XW5ULGTSWC"), "id: ID");
  assert.equal(normalizeOutput("stack/a/5dc79128-5237-4275-9fc4-d5f5062d7cc2"), "stack/a/ID");
  assert.equal(
    normalizeOutput("role/infrastructure-AppRole-ARFXWBBB5GRQA"),
    "role/infrastructure-AppRole-ID",
  );
  assert.equal(normalizeOutput("CREATE_COMPLETE"), "CREATE_COMPLETE");
  assert.notEqual(normalizeOutput("1 1 passed"), normalizeOutput("1 1 failed"));
});
