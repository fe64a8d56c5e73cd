// Evaluation of every intrinsic function: happy paths, AWS::NoValue, Sub escaping, and errors naming path and line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { outputs, resolveValue } from "../../src/stacks/template/index.ts";
import { assertError, context, errorsOf, validationErrors, yaml } from "./support.ts";

const ctx = context({
  parameters: { Env: "prod", Subnets: ["subnet-1", "subnet-2"], Port: "8080" },
  conditions: new Map([
    ["IsProd", true],
    ["IsDev", false],
  ]),
  mappings: { Regions: { "us-east-1": { Ami: "ami-1", Zones: ["a", "b"] } } },
});
const resolve = (value: unknown) => resolveValue(value, ctx);

test("Ref: parameters, lists, pseudo-parameters and resources", () => {
  assert.equal(resolve({ Ref: "Env" }), "prod");
  assert.deepEqual(resolve({ Ref: "Subnets" }), ["subnet-1", "subnet-2"]);
  assert.equal(resolve({ Ref: "AWS::StackName" }), "s1");
  assert.equal(resolve({ Ref: "AWS::Region" }), "us-east-1");
  assert.equal(resolve({ Ref: "AWS::AccountId" }), "000000000000");
  assert.match(
    resolve({ Ref: "AWS::StackId" }) as string,
    /^arn:aws:cloudformation:us-east-1:000000000000:stack\/s1\//,
  );
  assert.equal(resolve({ Ref: "AWS::Partition" }), "aws");
  assert.equal(resolve({ Ref: "AWS::URLSuffix" }), "amazonaws.com");
  assert.deepEqual(resolve({ Ref: "AWS::NotificationARNs" }), []);
  assert.equal(resolve({ Ref: "Web" }), "phys-Web");
});

test("Fn::GetAtt in both forms", () => {
  assert.equal(resolve({ "Fn::GetAtt": ["Web", "PublicIp"] }), "Web.PublicIp");
  assert.equal(resolve({ "Fn::GetAtt": "Web.PrivateIp" }), "Web.PrivateIp");
});

test("Fn::Join, Fn::Split, Fn::Select", () => {
  assert.equal(resolve({ "Fn::Join": ["-", ["a", { Ref: "Env" }, 3]] }), "a-prod-3");
  assert.equal(resolve({ "Fn::Join": [",", { Ref: "Subnets" }] }), "subnet-1,subnet-2");
  assert.equal(resolve({ "Fn::Join": ["", []] }), "");
  assert.deepEqual(resolve({ "Fn::Split": [",", "a,b,,c"] }), ["a", "b", "", "c"]);
  assert.equal(resolve({ "Fn::Select": ["1", { "Fn::Split": [",", "a,b"] }] }), "b");
  assert.equal(resolve({ "Fn::Select": [0, { Ref: "Subnets" }] }), "subnet-1");
});

test("Fn::Sub: both forms, resources, attributes, pseudo-parameters and ${!Literal}", () => {
  assert.equal(resolve({ "Fn::Sub": "${AWS::StackName}-${Env}:${Port}" }), "s1-prod:8080");
  assert.equal(resolve({ "Fn::Sub": "http://${Web.PublicIp}/${Web}" }), "http://Web.PublicIp/phys-Web");
  assert.equal(resolve({ "Fn::Sub": "echo ${!HOME} $${!x} ${ Env }" }), "echo ${HOME} $${x} prod");
  assert.equal(
    resolve({ "Fn::Sub": ["${Name}.${Env}", { Name: { "Fn::Join": ["", ["a", "b"]] }, Env: "override" }] }),
    "ab.override",
  );
  assert.equal(resolve({ "Fn::Sub": "no ${ unclosed" }), "no ${ unclosed");
});

test("Fn::Base64 encodes UTF-8", () => {
  assert.equal(
    resolve({ "Fn::Base64": "#!/bin/sh\necho é" }),
    Buffer.from("#!/bin/sh\necho é").toString("base64"),
  );
  assert.equal(resolve({ "Fn::Base64": { "Fn::Sub": "${Env}" } }), Buffer.from("prod").toString("base64"));
});

test("Fn::If, Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition", () => {
  assert.equal(resolve({ "Fn::If": ["IsProd", "big", "small"] }), "big");
  assert.equal(resolve({ "Fn::If": ["IsDev", "big", "small"] }), "small");
  assert.equal(resolve({ "Fn::Equals": [{ Ref: "Env" }, "prod"] }), true);
  assert.equal(resolve({ "Fn::Equals": [8080, { Ref: "Port" }] }), true);
  assert.equal(resolve({ "Fn::And": [{ Condition: "IsProd" }, { "Fn::Equals": ["a", "a"] }] }), true);
  assert.equal(resolve({ "Fn::And": [{ Condition: "IsProd" }, { Condition: "IsDev" }] }), false);
  assert.equal(resolve({ "Fn::Or": [{ Condition: "IsDev" }, { Condition: "IsProd" }] }), true);
  assert.equal(resolve({ "Fn::Not": [{ Condition: "IsDev" }] }), true);
});

test("Fn::FindInMap, Fn::GetAZs, Fn::ImportValue", () => {
  assert.equal(resolve({ "Fn::FindInMap": ["Regions", { Ref: "AWS::Region" }, "Ami"] }), "ami-1");
  assert.deepEqual(resolve({ "Fn::FindInMap": ["Regions", "us-east-1", "Zones"] }), ["a", "b"]);
  assert.deepEqual(resolve({ "Fn::GetAZs": "" }), ["us-east-1a", "us-east-1b"]);
  assert.deepEqual(resolve({ "Fn::GetAZs": { Ref: "AWS::Region" } }), ["us-east-1a", "us-east-1b"]);
  assert.deepEqual(resolve({ "Fn::GetAZs": "eu-west-1" }), ["eu-west-1a", "eu-west-1b"]);
  assert.equal(resolve({ "Fn::ImportValue": { "Fn::Sub": "${Env}-vpc" } }), "imported-prod-vpc");
});

test("AWS::NoValue removes the key or the list element", () => {
  const value = {
    Keep: "x",
    Drop: { Ref: "AWS::NoValue" },
    Maybe: { "Fn::If": ["IsDev", "dev", { Ref: "AWS::NoValue" }] },
    List: ["a", { "Fn::If": ["IsDev", "b", { Ref: "AWS::NoValue" }] }, "c"],
  };
  assert.deepEqual(resolve(value), { Keep: "x", List: ["a", "c"] });
  assert.equal(resolve({ Ref: "AWS::NoValue" }), undefined);
});

test("policy documents keep their Condition keys", () => {
  const statement = { Effect: "Allow", Condition: { StringEquals: { "aws:username": "x" } } };
  assert.deepEqual(resolve(statement), statement);
});

// Each shape error names its path (and, with the template, its line and column).
const shapeCases: [string, unknown, RegExp][] = [
  ["Ref", { Ref: ["x"] }, /Ref needs a logical name/],
  ["Fn::GetAtt", { "Fn::GetAtt": ["Web"] }, /Fn::GetAtt needs \[logicalName, attributeName\]/],
  ["Fn::Join", { "Fn::Join": ["-"] }, /Fn::Join needs \[delimiter, list\]/],
  ["Fn::Join", { "Fn::Join": [1, ["a"]] }, /Fn::Join needs \[delimiter, list\]/],
  ["Fn::Sub", { "Fn::Sub": ["x", "y"] }, /Fn::Sub needs a string or \[string, \{variable: value\}\]/],
  ["Fn::Base64", { "Fn::Base64": ["x"] }, /Fn::Base64 needs a string/],
  ["Fn::Select", { "Fn::Select": [0] }, /Fn::Select needs \[index, list\]/],
  ["Fn::Split", { "Fn::Split": ["x"] }, /Fn::Split needs \[delimiter, string\]/],
  ["Fn::If", { "Fn::If": ["IsProd", "a"] }, /Fn::If needs \[conditionName, valueIfTrue, valueIfFalse\]/],
  ["Fn::Equals", { "Fn::Equals": ["a"] }, /Fn::Equals needs \[value1, value2\]/],
  ["Fn::And", { "Fn::And": [{ Condition: "IsProd" }] }, /Fn::And needs a list of 2 to 10 conditions/],
  ["Fn::Or", { "Fn::Or": "x" }, /Fn::Or needs a list of 2 to 10 conditions/],
  ["Fn::Not", { "Fn::Not": [] }, /Fn::Not needs \[condition\]/],
  [
    "Fn::FindInMap",
    { "Fn::FindInMap": ["Regions", "x"] },
    /Fn::FindInMap needs \[mapName, topLevelKey, secondLevelKey\]/,
  ],
  ["Fn::GetAZs", { "Fn::GetAZs": [] }, /Fn::GetAZs needs a region name/],
  ["Fn::ImportValue", { "Fn::ImportValue": ["x"] }, /Fn::ImportValue needs an export name/],
  ["Condition", { "Fn::Not": [{ Condition: 1 }] }, /Condition needs a condition name/],
];
for (const [name, value, message] of shapeCases)
  test(`${name} shape error names its path and line, in validation and in evaluation`, () => {
    // The value sits on line 5 of the template, in flow style (JSON is YAML).
    const t = yaml(
      `Resources:\n  R:\n    Type: AWS::EC2::Instance\n    Properties:\n      Outer: [${JSON.stringify(value)}]\n`,
    );
    const where = { line: 5 };
    const validation = assertError(validationErrors(t), message, where);
    assert.match(validation.path, /^Resources\.R\.Properties\.Outer\[0\]/);
    const properties = t.body.Resources!.R!.Properties;
    const evaluation = errorsOf(() =>
      resolveValue(properties, { ...ctx, template: t }, "Resources.R.Properties"),
    );
    assert.equal(assertError(evaluation, message, where).path, validation.path);
  });

// Evaluation errors (the shape is right, the values are not).
const valueCases: [string, unknown, RegExp][] = [
  [
    "Fn::Select index not a number",
    { "Fn::Select": ["x", ["a"]] },
    /Fn::Select's index must be a whole number, not "x"/,
  ],
  ["Fn::Select negative index", { "Fn::Select": [-1, ["a"]] }, /must be a whole number, not "-1"/],
  [
    "Fn::Select out of bounds",
    { "Fn::Select": [2, ["a", "b"]] },
    /Fn::Select index 2 is out of bounds \(the list has 2\)/,
  ],
  ["Fn::Join of objects", { "Fn::Join": ["", [{ a: 1 }]] }, /Fn::Join's list needs a string, not an object/],
  ["Fn::Join of a string", { "Fn::Join": ["", { Ref: "Env" }] }, /Fn::Join needs a list, not "prod"/],
  ["Fn::If undefined condition", { "Fn::If": ["Nope", "a", "b"] }, /condition Nope is not defined/],
  ["Fn::FindInMap missing map", { "Fn::FindInMap": ["Nope", "a", "b"] }, /mapping Nope is not defined/],
  [
    "Fn::FindInMap missing key",
    { "Fn::FindInMap": ["Regions", "eu-west-1", "Ami"] },
    /key 'eu-west-1' not found in mapping 'Regions'/,
  ],
  [
    "Fn::FindInMap missing second key",
    { "Fn::FindInMap": ["Regions", "us-east-1", "X"] },
    /key 'X' not found/,
  ],
  [
    "Fn::Sub list parameter",
    { "Fn::Sub": "${Subnets}" },
    /Fn::Sub variable \$\{Subnets\} needs a string, not a list/,
  ],
  ["Fn::And of strings", { "Fn::And": ["a", "b"] }, /needs a condition, not "a"/],
  ["unsupported function", { "Fn::Cidr": ["10.0.0.0/16", 2, 8] }, /unsupported intrinsic function Fn::Cidr/],
];
for (const [name, value, message] of valueCases)
  test(`evaluation error: ${name}`, () => {
    const errors = errorsOf(() => resolveValue(value, ctx, "Outputs.O.Value"));
    assertError(errors, message);
    assert.match(errors[0]!.path, /^Outputs\.O\.Value/);
  });

test("callback failures are errors at the call's path", () => {
  const failing = context({
    ref: () => {
      throw new Error("resource Web is not created");
    },
  });
  assertError(
    errorsOf(() => resolveValue({ A: { Ref: "Web" } }, failing, "P")),
    "resource Web is not created",
    {
      path: "P.A.Ref",
    },
  );
});

test("evaluation errors name line and column when the template is given", () => {
  const t = yaml("Resources:\n  R:\n    Type: X\n    Properties:\n      A: x\n      B: !Select [5, [a]]\n");
  const errors = errorsOf(() =>
    resolveValue(t.body.Resources!.R!.Properties, context({ template: t }), "Resources.R.Properties"),
  );
  assertError(errors, "out of bounds", { path: "Resources.R.Properties.B.Fn::Select", line: 6, column: 10 });
  assert.throws(
    () => resolveValue(t.body.Resources!.R!.Properties, context({ template: t }), "Resources.R.Properties"),
    /^TemplateValidationError: t\.yaml:6:10: Fn::Select index 5/,
  );
});

test("outputs: in scope, evaluated, export names resolved, values must be strings", () => {
  const t = yaml(`
Conditions:
  Never: !Equals [a, b]
Resources:
  Web: {Type: AWS::EC2::Instance}
Outputs:
  Ip: {Value: !GetAtt Web.PublicIp, Description: the address, Export: {Name: !Sub "\${AWS::StackName}-ip"}}
  Port: {Value: 8080}
  Hidden: {Value: x, Condition: Never}
`);
  const conditions = new Map([["Never", false]]);
  assert.deepEqual(outputs(t, context({ conditions })), [
    { key: "Ip", value: "Web.PublicIp", description: "the address", exportName: "s1-ip" },
    { key: "Port", value: "8080" },
  ]);
  const listy = yaml("Resources:\n  H: {Type: X}\nOutputs:\n  Zones: {Value: !GetAZs ''}\n");
  assertError(
    errorsOf(() => outputs(listy, context())),
    "the Value of output Zones must evaluate to a string",
    {
      path: "Outputs.Zones.Value",
      line: 4,
    },
  );
});

test("a __proto__ key stays data through evaluation", () => {
  const resolved = resolve(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(resolved), ["__proto__"]);
  assert.equal(Object.getPrototypeOf(resolved), Object.prototype);
});

test("a one-key Condition object outside conditions is data, inside condition functions a function", () => {
  assert.deepEqual(resolve({ Condition: { StringEquals: { a: "b" } } }), {
    Condition: { StringEquals: { a: "b" } },
  });
  assert.deepEqual(resolve({ Statement: [{ Condition: "IsProd" }] }), {
    Statement: [{ Condition: "IsProd" }],
  });
  assert.equal(resolve({ "Fn::Not": [{ Condition: "IsProd" }] }), false);
});
