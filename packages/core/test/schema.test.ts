import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { renderSchema, schemaPath } from "../scripts/write-schema.ts";

test("the committed JSON Schema matches the zod schemas (run: npx node packages/core/scripts/write-schema.ts)", () => {
  assert.equal(readFileSync(schemaPath, "utf8"), renderSchema());
});

test("the JSON Schema describes the format: pipelines, tasks, Fawkes extensions", () => {
  const schema = JSON.parse(renderSchema()) as Record<string, unknown>;
  const text = JSON.stringify(schema);
  for (const key of [
    "label_template",
    "run_every_commit",
    "webhook_secret",
    "clean_workspace",
    "working_directory",
  ]) {
    assert.ok(text.includes(`"${key}"`), key);
  }
  assert.equal((schema as { additionalProperties?: unknown }).additionalProperties, false);
});
