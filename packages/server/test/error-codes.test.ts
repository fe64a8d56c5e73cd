import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { ErrorCode, errorDefinitionOf, errorDefinitions, FawkesError } from "@fawkes/protocol";

/** The rows of docs/errors.md's table: `| \`CODE\` | STATUS | meaning |`. */
async function documentedCodes(): Promise<Map<string, { status: string; meaning: string }>> {
  const doc = await readFile(path.join(import.meta.dirname, "../../../docs/errors.md"), "utf8");
  const rows = new Map<string, { status: string; meaning: string }>();
  for (const line of doc.split("\n")) {
    const row = /^\| `(FAWKES_[A-Z_]+)` \| ([^|]+) \| (.+) \|$/.exec(line);
    if (row) rows.set(row[1] ?? "", { status: (row[2] ?? "").trim(), meaning: row[3] ?? "" });
  }
  return rows;
}

test("docs/errors.md lists every registry code with its status and meaning, and nothing else", async () => {
  const rows = await documentedCodes();
  const disagreements: string[] = [];
  for (const { code, status, meaning } of errorDefinitions) {
    const row = rows.get(code);
    if (!row) disagreements.push(`${code}: no row`);
    else if (row.status !== String(status))
      disagreements.push(`${code}: docs say ${row.status}, registry ${status}`);
    else if (!row.meaning.startsWith(meaning))
      disagreements.push(`${code}: the meaning does not start with "${meaning}"`);
  }
  for (const code of rows.keys())
    if (!errorDefinitionOf(code)) disagreements.push(`${code}: documented but not in the registry`);
  assert.deepEqual(disagreements, []);
  assert.ok(rows.size > 30, "the table was read");
});

test("the registry defines each code once and every ErrorCode name maps to its code", () => {
  const codes = errorDefinitions.map((definition) => definition.code);
  assert.equal(new Set(codes).size, codes.length);
  assert.deepEqual(Object.values(ErrorCode).sort(), [...codes].sort());
});

test("an error's status is the registry's, in the error and in its problem document", async () => {
  const { problemOf } = await import("../src/http/problem.ts");
  const fastifyError = (statusCode: number) => Object.assign(new Error("fastify says no"), { statusCode });
  const raised: unknown[] = [
    ...errorDefinitions.map((definition) => new FawkesError(definition.code, "detail")),
    new URIError("URI malformed"),
    fastifyError(404),
    fastifyError(413),
    fastifyError(415),
    new Error("a bug"),
  ];
  for (const error of raised) {
    const problem = problemOf(error);
    assert.equal(
      problem.status,
      errorDefinitionOf(problem.code)?.status,
      `${problem.code} from ${String(error)}`,
    );
  }
  assert.equal(new FawkesError(ErrorCode.checksumMismatch, "x").status, 400);
  assert.equal(new FawkesError(ErrorCode.leaseLost, "x").status, 409);
  assert.equal(problemOf(fastifyError(415)).code, ErrorCode.badRequest);
  assert.equal(problemOf(new Error("a bug")).status, 500);
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
