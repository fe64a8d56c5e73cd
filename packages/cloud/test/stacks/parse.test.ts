// Parsing: JSON and YAML, short-form tags turned into the long form, positions, and errors with line:column.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTemplate, positionOf } from "../../src/stacks/template/index.ts";
import { assertError, errorsOf, yaml } from "./support.ts";

test("every YAML short form equals its long form", () => {
  const short = yaml(`
Resources:
  H:
    Type: AWS::CloudFormation::WaitConditionHandle
    Properties:
      A: !Ref P
      B: !Sub "x-\${P}"
      C: !Sub ["\${X}", { X: !Ref P }]
      D: !GetAtt Web.PublicIp
      E: !GetAtt [Web, PrivateIp]
      F: !Join [",", [a, !Ref P]]
      G: !If [Cond, !Equals [a, b], !Not [!Condition Other]]
      H: !And [!Condition C1, !Or [!Condition C2, !Condition C3]]
      I: !FindInMap [M, !Ref "AWS::Region", K]
      J: !Base64 { "Fn::Sub": "x" }
      K: !Select [0, !Split [",", "a,b"]]
      L: !GetAZs ""
      M: !ImportValue shared-vpc
`);
  const long = parseTemplate(
    JSON.stringify({
      Resources: {
        H: {
          Type: "AWS::CloudFormation::WaitConditionHandle",
          Properties: {
            A: { Ref: "P" },
            B: { "Fn::Sub": "x-${P}" },
            C: { "Fn::Sub": ["${X}", { X: { Ref: "P" } }] },
            D: { "Fn::GetAtt": ["Web", "PublicIp"] },
            E: { "Fn::GetAtt": ["Web", "PrivateIp"] },
            F: { "Fn::Join": [",", ["a", { Ref: "P" }]] },
            G: { "Fn::If": ["Cond", { "Fn::Equals": ["a", "b"] }, { "Fn::Not": [{ Condition: "Other" }] }] },
            H: { "Fn::And": [{ Condition: "C1" }, { "Fn::Or": [{ Condition: "C2" }, { Condition: "C3" }] }] },
            I: { "Fn::FindInMap": ["M", { Ref: "AWS::Region" }, "K"] },
            J: { "Fn::Base64": { "Fn::Sub": "x" } },
            K: { "Fn::Select": [0, { "Fn::Split": [",", "a,b"] }] },
            L: { "Fn::GetAZs": "" },
            M: { "Fn::ImportValue": "shared-vpc" },
          },
        },
      },
    }),
    "t.json",
  );
  assert.deepEqual(short.body, long.body);
  assert.equal(short.format, "yaml");
  assert.equal(long.format, "json");
});

test("positions are recorded for every node, short forms included", () => {
  const t = yaml(
    "Resources:\n  Web:\n    Type: AWS::EC2::Instance\n    Properties:\n      UserData: !Base64 abc\n",
  );
  assert.deepEqual(positionOf(t, "Resources.Web"), { line: 2, column: 3 });
  assert.deepEqual(positionOf(t, "Resources.Web.Properties.UserData"), { line: 5, column: 7 });
  assert.equal(positionOf(t, "Resources.Web.Properties.UserData.Fn::Base64").line, 5);
  // A path with no position of its own falls back to its nearest ancestor.
  assert.deepEqual(positionOf(t, "Resources.Web.Properties.Nope[3]"), { line: 4, column: 5 });

  const j = parseTemplate(
    '{\n  "Resources": {\n    "Web": {\n\t"Type" : "X"\t,\n  "Properties": {"A": [1, {"B": 2}]}}}}',
    "t",
  );
  assert.deepEqual(positionOf(j, "Resources.Web.Type"), { line: 4, column: 2 });
  assert.deepEqual(positionOf(j, "Resources.Web.Properties.A[1].B"), { line: 5, column: 28 });
  assert.deepEqual(positionOf(j, "Resources.Web.Properties.A[0]"), { line: 5, column: 24 });
});

test("JSON syntax errors name line and column", () => {
  const errors = errorsOf(() => parseTemplate('{\n  "Resources": {\n    "A": 1,\n  }\n}', "bad.json"));
  assertError(errors, "invalid JSON", { line: 4, column: 3 });
  assert.throws(
    () => parseTemplate('{\n  "Resources": {\n    "A": 1,\n  }\n}', "bad.json"),
    /^.*bad\.json:4:3: invalid JSON/,
  );
});

test("JSON duplicate keys are errors at the second key", () => {
  const errors = errorsOf(() => parseTemplate('{"Resources": {"A": {}, \n "A": {}}}', "t.json"));
  assertError(errors, "duplicate key A", { path: "Resources.A", line: 2, column: 2 });
});

test("YAML errors are all collected, each with its line and column", () => {
  const errors = errorsOf(() =>
    yaml(
      "Resources:\n  A:\n    Type: X\n    Properties:\n      P: !Bogus 1\n      Q: !Ref\n        - 1\n  A: {}\nExtra: 1\n",
    ),
  );
  assertError(errors, "unknown tag !Bogus", { path: "Resources.A.Properties.P", line: 5, column: 10 });
  assertError(errors, "duplicate key A", { path: "Resources.A", line: 8, column: 3 });
  assertError(errors, "Invalid template property or properties [Extra]", {
    path: "Extra",
    line: 9,
    column: 1,
  });
  assert.ok(errors.length >= 3);
});

test("YAML syntax errors and multiple documents are errors", () => {
  assertError(
    errorsOf(() => yaml("Resources:\n  A: [1, 2\n")),
    /invalid YAML/,
  );
  assertError(
    errorsOf(() => yaml("Resources: {}\n---\nResources: {}\n")),
    "one YAML document",
    { line: 2 },
  );
  assertError(
    errorsOf(() => yaml("")),
    "must be an object",
  );
});

test("YAML anchors, aliases and merge keys are refused", () => {
  const errors = errorsOf(() => yaml("Resources:\n  A: &x {Type: T}\n  B: *x\n  C:\n    <<: {Type: T}\n"));
  assertError(errors, "anchors are not supported", { line: 2 });
  assertError(errors, "aliases are not supported", { path: "Resources.B", line: 3 });
  assertError(errors, "merge keys", { line: 5 });
});

test("nesting is bounded before composing, in YAML and JSON", () => {
  const deep = "Resources: " + "[".repeat(5000) + "]".repeat(5000);
  assertError(
    errorsOf(() => yaml(deep)),
    /nesting deeper than 64/,
  );
  const deepJson = '{"Resources": ' + "[".repeat(5000) + "]".repeat(5000) + "}";
  assertError(
    errorsOf(() => parseTemplate(deepJson, "t.json")),
    /nesting deeper than 64/,
  );
});

test("a template must be an object with a Resources section", () => {
  assertError(
    errorsOf(() => yaml("- 1\n")),
    "must be an object",
  );
  assertError(
    errorsOf(() => yaml("Description: x\n")),
    "Resources section",
  );
  assertError(
    errorsOf(() => yaml("Resources: [1]\n")),
    "Resources section must be an object",
    { line: 1 },
  );
});

test("__proto__ keys stay data", () => {
  const t = parseTemplate('{"Resources": {"__proto__": {"Type": "X"}}}', "t.json");
  assert.equal(Object.getPrototypeOf(t.body.Resources), Object.prototype);
  const y = yaml("Resources:\n  __proto__: {Type: X}\n");
  assert.deepEqual(Object.keys(y.body.Resources!), ["__proto__"]);
});

test("an unexpected token in JSON is located, and the message does not repeat the text", () => {
  const errors = errorsOf(() => parseTemplate('{\n  "Resources": {\n    "A": tru\n  }\n}', "t.json"));
  const error = assertError(errors, "invalid JSON: Unexpected token", { line: 3, column: 13 });
  assert.doesNotMatch(error.message, /Resources/);
  assertError(
    errorsOf(() => parseTemplate('{\n  "Resources": {\n    "A": x\n  }\n}', "t.json")),
    "invalid JSON: Unexpected token 'x'",
    { line: 3, column: 10 },
  );
});

test("a template text is bounded", () => {
  assertError(
    errorsOf(() => yaml("Resources: {}\n" + "#".repeat(1_000_001))),
    "at most 1000000 characters",
  );
});

test("a byte order mark before JSON is ignored", () => {
  assert.deepEqual(parseTemplate('\uFEFF{"Resources": {}}', "t.json").body, { Resources: {} });
});
