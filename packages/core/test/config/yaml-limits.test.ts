/**
 * Hostile config files: size limit, duplicate keys found in linear time, nesting and alias bounds. Each is an
 * issue on its file, never a stalled or crashed parser.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue, parseConfigFiles, type EnvironmentConfig } from "@fawkes/core";

const issuesOf = (text: string, maxFileBytes?: number) =>
  parseConfigFiles([{ path: "p.gocd.yaml", text }], { maxFileBytes }).issues.map(formatIssue);

const dataOf = (text: string): unknown => {
  const result = parseConfigFiles([{ path: "p.gocd.yaml", text: `format_version: 10\n${text}` }]);
  assert.deepEqual(result.issues.map(formatIssue), []);
  return result.environments;
};

test("a file over the size limit is an issue naming the file and the limit, counted in UTF-8 bytes", () => {
  const text = "format_version: 10\n# é\n"; // 24 bytes, 23 characters
  assert.deepEqual(issuesOf(text, 23), [
    "p.gocd.yaml:1:1: file is 24 bytes, over the limit of 23 bytes (--config-max-bytes)",
  ]);
  assert.deepEqual(issuesOf(text, 24), []);
  // A reader that did not read the file gives its size and no text.
  const unread = parseConfigFiles([{ path: "big.gocd.yaml", text: "", size: 5_000_000 }]);
  assert.deepEqual(unread.issues.map(formatIssue), [
    "big.gocd.yaml:1:1: file is 5000000 bytes, over the limit of 1048576 bytes (--config-max-bytes)",
  ]);
});

test("duplicate keys are reported where the duplicate is, in block and flow mappings", () => {
  assert.deepEqual(issuesOf("format_version: 10\npipelines: {}\nformat_version: 10\n"), [
    "p.gocd.yaml:3:1: invalid YAML: Map keys must be unique",
  ]);
  assert.deepEqual(issuesOf("environments: {e: {pipelines: [a]}, f: {}, e: {}}\n"), [
    "p.gocd.yaml:1:44: invalid YAML: Map keys must be unique",
  ]);
  // The same key in different mappings, and the same value as a string and a number, are not duplicates.
  assert.deepEqual(
    issuesOf(
      "environments:\n  e: {environment_variables: {A: 1}}\n  f: {environment_variables: {A: 1, '1': x}}\n",
    ),
    [],
  );
});

test("merge keys: the mapping's own keys win, an earlier source wins over a later one, << may repeat", () => {
  const environments = dataOf(`environments:
  e:
    environment_variables:
      <<: [{A: from-first, B: from-first}, {B: from-second, C: from-second}]
      A: own
      <<: {D: merged}
`) as EnvironmentConfig[];
  const variables = Object.fromEntries(environments[0]!.environmentVariables.map((v) => [v.name, v.value]));
  assert.deepEqual(variables, { A: "own", B: "from-first", C: "from-second", D: "merged" });
});

test("__proto__ as a key changes no prototype", () => {
  const environments = dataOf(
    "environments:\n  e:\n    environment_variables: {__proto__: {polluted: yes}, B: y}\n",
  ) as EnvironmentConfig[];
  assert.ok(environments[0]!.environmentVariables.some((v) => v.name === "B"));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(environments[0]!.environmentVariables[0]), Object.prototype);
});

test("nesting 10,000 levels deep (flow or block) is an issue, not a stack overflow", () => {
  const flow = `pipelines: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`;
  assert.deepEqual(issuesOf(flow), ["p.gocd.yaml:1:111: invalid YAML: nesting deeper than 100 levels"]);
  const block = Array.from({ length: 150 }, (_, depth) => `${" ".repeat(depth)}k${depth}:\n`).join("");
  assert.match(
    issuesOf(block).join("\n"),
    /^p\.gocd\.yaml:101:101: invalid YAML: nesting deeper than 100 levels$/,
  );
});

test("an alias bomb is an issue; aliases within bounds resolve", () => {
  const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let level = 1; level < 10; level++)
    lines.push(
      `a${level}: &a${level} [${Array(10)
        .fill(`*a${level - 1}`)
        .join(", ")}]`,
    );
  assert.deepEqual(issuesOf(lines.join("\n") + "\n"), [
    "p.gocd.yaml:1:1: invalid YAML: aliases expand the document by more than 100000 nodes",
  ]);
  // Deep through aliases: each level doubles the depth, not the size.
  const deep = ["d0: &d0 [x]"];
  for (let level = 1; level < 120; level++) deep.push(`d${level}: &d${level} [*d${level - 1}]`);
  assert.deepEqual(issuesOf(deep.join("\n") + "\n"), [
    "p.gocd.yaml:1:1: invalid YAML: aliases nest collections deeper than 100 levels",
  ]);
  assert.deepEqual(issuesOf("x: *nowhere\n"), [
    "p.gocd.yaml:1:4: invalid YAML: Unresolved alias (the anchor must be set before the alias): nowhere",
  ]);
  assert.deepEqual(issuesOf("x: &self [*self]\n"), [
    "p.gocd.yaml:1:11: invalid YAML: alias *self is inside its own anchor",
  ]);
  assert.deepEqual(issuesOf("? [a, b]\n: c\n"), [
    "p.gocd.yaml:1:3: invalid YAML: a mapping key must be a scalar",
  ]);
});

test("a large mapping (10,000 keys) parses, every key kept; its time against size is a bench figure", () => {
  // How its time grows with the size (linear, not quadratic) is measured in bench/timing-bounds.ts.
  const keys = 10_000;
  const text = `environments:\n  e:\n    environment_variables:\n${Array.from({ length: keys }, (_, i) => `      V${i}: x\n`).join("")}`;
  const snapshot = parseConfigFiles([{ path: "p.gocd.yaml", text: `format_version: 10\n${text}` }]);
  assert.deepEqual(snapshot.issues.map(formatIssue), []);
  const variables = snapshot.environments.find((env) => env.name === "e")?.environmentVariables ?? [];
  assert.equal(variables.length, keys);
  assert.deepEqual(
    new Set(variables.map((v) => v.name)),
    new Set(Array.from({ length: keys }, (_, i) => `V${i}`)),
  );
});
