// Conditions: evaluated from parameters, pseudo-parameters and mappings; conditions referencing conditions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluateConditions } from "../../src/stacks/template/index.ts";
import { assertError, errorsOf, handle, pseudo, template, yaml } from "./support.ts";

test("conditions from parameters, pseudo-parameters, mappings and other conditions", () => {
  const t = yaml(`
Parameters:
  Env: {Type: String}
Mappings:
  Sizes: {prod: {Big: "yes"}, dev: {Big: "no"}}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  InUsEast: !Equals [!Ref "AWS::Region", us-east-1]
  Big: !Equals [!FindInMap [Sizes, !Ref Env, Big], "yes"]
  ProdInUs: !And [!Condition IsProd, !Condition InUsEast]
  NotProd: !Not [!Condition IsProd]
  Either: !Or [!Condition NotProd, !Condition Big]
Resources:
  H: {Type: AWS::CloudFormation::WaitConditionHandle}
`);
  const prod = evaluateConditions(t, { parameters: { Env: "prod" }, pseudo });
  assert.deepEqual(Object.fromEntries(prod), {
    IsProd: true,
    InUsEast: true,
    Big: true,
    ProdInUs: true,
    NotProd: false,
    Either: true,
  });
  const dev = evaluateConditions(t, {
    parameters: { Env: "dev" },
    pseudo: { ...pseudo, region: "eu-west-1" },
  });
  assert.deepEqual(Object.fromEntries(dev), {
    IsProd: false,
    InUsEast: false,
    Big: false,
    ProdInUs: false,
    NotProd: true,
    Either: true,
  });
});

test("a condition may not reference a resource", () => {
  const t = template({ H: handle }, { Conditions: { C: { "Fn::Equals": [{ Ref: "H" }, "x"] } } });
  assertError(
    errorsOf(() => evaluateConditions(t, { parameters: {}, pseudo })),
    "conditions can only use parameters",
    {
      path: "Conditions.C.Fn::Equals[0].Ref",
    },
  );
});

test("circular conditions are an error naming the cycle", () => {
  const t = template(
    { H: handle },
    { Conditions: { A: { "Fn::Not": [{ Condition: "B" }] }, B: { "Fn::Not": [{ Condition: "A" }] } } },
  );
  assertError(
    errorsOf(() => evaluateConditions(t, { parameters: {}, pseudo })),
    "circular condition: A → B → A",
  );
});
