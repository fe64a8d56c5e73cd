import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { ErrorCode } from "@fawkes/protocol";

test("every error code is documented in docs/errors.md", async () => {
  const doc = await readFile(path.join(import.meta.dirname, "../../../docs/errors.md"), "utf8");
  const missing = Object.values(ErrorCode).filter((code) => !doc.includes("`" + code + "`"));
  assert.deepEqual(missing, []);
});

test("the committed OpenAPI document matches the route schemas", async () => {
  const { generateOpenApi } = await import("../src/http/openapi-document.ts");
  const committed = JSON.parse(
    await readFile(path.join(import.meta.dirname, "../openapi.json"), "utf8"),
  ) as unknown;
  assert.deepEqual(
    committed,
    JSON.parse(JSON.stringify(await generateOpenApi())),
    "run `npm run schema` and commit packages/server/openapi.json",
  );
});
