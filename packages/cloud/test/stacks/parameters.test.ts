// Parameters: types, defaults, every constraint with AWS's wording, NoEcho masking, previous values.
import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveParameters } from "../../src/stacks/template/index.ts";
import { assertError, errorsOf, handle, template } from "./support.ts";

const withParameters = (parameters: Record<string, unknown>) =>
  template({ H: handle }, { Parameters: parameters });

test("types: String, Number, lists and EC2 id types; defaults", () => {
  const t = withParameters({
    Name: { Type: "String" },
    Count: { Type: "Number", Default: 2 },
    Ports: { Type: "List<Number>", Default: "80, 443" },
    Names: { Type: "CommaDelimitedList" },
    Subnet: { Type: "AWS::EC2::Subnet::Id" },
    Groups: { Type: "List<AWS::EC2::SecurityGroup::Id>" },
  });
  const resolved = resolveParameters(t, { Name: "n", Names: "a,b", Subnet: "subnet-1", Groups: "sg-1,sg-2" });
  assert.deepEqual(resolved.values, {
    Name: "n",
    Count: "2",
    Ports: ["80", "443"],
    Names: ["a", "b"],
    Subnet: "subnet-1",
    Groups: ["sg-1", "sg-2"],
  });
  assert.deepEqual(resolved.strings.Ports, "80, 443");
});

test("missing and unknown parameters, worded as AWS", () => {
  const t = withParameters({
    A: { Type: "String" },
    B: { Type: "String" },
    C: { Type: "String", Default: "" },
  });
  const errors = errorsOf(() => resolveParameters(t, { Z: "1", Y: "2" }));
  assertError(errors, "Parameters: [Z, Y] do not exist in the template", { path: "Parameters" });
  assertError(errors, "Parameters: [A, B] must have values", { path: "Parameters" });
  assert.deepEqual(resolveParameters(t, { A: "a", B: "b" }).values.C, "");
});

const constraintCases: [string, Record<string, unknown>, string, string][] = [
  ["Number", { Type: "Number" }, "abc", "Parameter 'P' must be a number"],
  ["List<Number>", { Type: "List<Number>" }, "1,x", "Parameter 'P' must be a number"],
  [
    "AllowedValues",
    { Type: "String", AllowedValues: ["a", "b"] },
    "c",
    "Parameter 'P' must be one of AllowedValues",
  ],
  [
    "AllowedPattern whole string",
    { Type: "String", AllowedPattern: "[a-z]+" },
    "abc1",
    "Parameter 'P' must match pattern [a-z]+",
  ],
  ["MinLength", { Type: "String", MinLength: 3 }, "ab", "Parameter 'P' must contain at least 3 characters"],
  ["MaxLength", { Type: "String", MaxLength: "2" }, "abc", "Parameter 'P' must contain at most 2 characters"],
  ["MinValue", { Type: "Number", MinValue: 10 }, "9", "Parameter 'P' must be a number not less than 10"],
  [
    "MaxValue",
    { Type: "Number", MaxValue: 10 },
    "10.5",
    "Parameter 'P' must be a number not greater than 10",
  ],
  [
    "ConstraintDescription",
    { Type: "String", AllowedPattern: "[0-9]+", ConstraintDescription: "must be a build number" },
    "x",
    "Parameter 'P' failed to satisfy constraint: must be a build number",
  ],
  [
    "CommaDelimitedList AllowedValues per item",
    { Type: "CommaDelimitedList", AllowedValues: ["a", "b"] },
    "a,c",
    "must be one of AllowedValues",
  ],
];
for (const [name, definition, value, message] of constraintCases)
  test(`constraint ${name}`, () => {
    const t = withParameters({ P: definition });
    assertError(
      errorsOf(() => resolveParameters(t, { P: value })),
      message,
      { path: "Parameters.P" },
    );
  });

test("values within every constraint pass", () => {
  const t = withParameters({
    S: {
      Type: "String",
      AllowedPattern: "[a-z]+",
      MinLength: 2,
      MaxLength: 4,
      AllowedValues: ["ab", "abcd"],
    },
    N: { Type: "Number", MinValue: 1, MaxValue: 10 },
  });
  assert.deepEqual(resolveParameters(t, { S: "abcd", N: "10" }).values, { S: "abcd", N: "10" });
  assert.deepEqual(resolveParameters(t, { S: "ab", N: "1" }).values, { S: "ab", N: "1" });
});

test("a constraint error names the parameter's line", () => {
  const t = withParameters({ P: { Type: "Number" } });
  const [error] = errorsOf(() => resolveParameters(t, { P: "x" }));
  assert.equal(error!.line, 4);
});

test("NoEcho values are masked", () => {
  const t = withParameters({ Secret: { Type: "String", NoEcho: true }, Plain: { Type: "String" } });
  const resolved = resolveParameters(t, { Secret: "hunter2", Plain: "p" });
  assert.equal(resolved.values.Secret, "hunter2");
  assert.deepEqual(resolved.masked(), { Secret: "****", Plain: "p" });
  assert.ok(resolved.noEcho.has("Secret"));
});

test("previous values are used for the parameters named in usePrevious", () => {
  const t = withParameters({ A: { Type: "String" }, B: { Type: "String", Default: "d" } });
  const resolved = resolveParameters(t, {}, { previous: { A: "old-a", B: "old-b" }, usePrevious: ["A"] });
  assert.deepEqual(resolved.values, { A: "old-a", B: "d" });
  assertError(
    errorsOf(() => resolveParameters(t, {}, { previous: {}, usePrevious: ["A"] })),
    "[A] must have values",
  );
});

test("numbers are decimal, as AWS reads them", () => {
  const t = withParameters({ N: { Type: "Number" } });
  for (const good of ["1", "-2.5", "1e3", ".5"])
    assert.equal(resolveParameters(t, { N: good }).values.N, good);
  for (const bad of ["0x10", "Infinity", "", " ", "1,2"])
    assertError(
      errorsOf(() => resolveParameters(t, { N: bad })),
      "Parameter 'N' must be a number",
    );
});
