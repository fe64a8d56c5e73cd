import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { AUDIT_ACTIONS } from "@fawkes/protocol";

/** The first cell of every table row of docs/audit.md that names an action: `| \`pipeline.trigger\` | …`. */
async function documentedActions(): Promise<string[]> {
  const doc = await readFile(path.join(import.meta.dirname, "../../../docs/audit.md"), "utf8");
  return doc.split("\n").flatMap((line) => {
    const row = /^\| `([a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)+)`\s*\|/.exec(line);
    return row ? [row[1] ?? ""] : [];
  });
}

test("docs/audit.md has one row for every audit action, and no other", async () => {
  const rows = await documentedActions();
  assert.deepEqual([...rows].sort(), [...AUDIT_ACTIONS].sort());
});

test("audit actions are dotted lower-case names, each once", () => {
  assert.equal(new Set(AUDIT_ACTIONS).size, AUDIT_ACTIONS.length);
  for (const action of AUDIT_ACTIONS) assert.match(action, /^[a-z][a-z-]*(\.[a-z][a-z-]*)+$/, action);
});
