// Dependencies: explicit and implicit, waves, conditions, and cycles named.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dependencyGraph, evaluateConditions, resourcesInScope } from "../../src/stacks/template/index.ts";
import { assertError, errorsOf, handle, pseudo, template, yaml } from "./support.ts";

const deps = (graph: ReturnType<typeof dependencyGraph>, name: string) =>
  [...graph.dependsOn.get(name)!].sort();

test("independent resources share a wave; a chain is sequential; deletion is the reverse", () => {
  const t = template({
    A: handle,
    B: handle,
    C: { ...handle, DependsOn: "A" },
    D: { ...handle, DependsOn: ["C", "B"] },
  });
  const graph = dependencyGraph(t, new Map());
  assert.deepEqual(graph.creationWaves(), [["A", "B"], ["C"], ["D"]]);
  assert.deepEqual(graph.deletionWaves(), [["D"], ["C"], ["A", "B"]]);
});

test("implicit dependencies of Ref, Fn::GetAtt and Fn::Sub; parameters, pseudo-parameters and ${!x} excluded", () => {
  const t = yaml(`
Parameters:
  P: {Type: String}
Resources:
  Vpc: {Type: AWS::EC2::VPC}
  Sg: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: x, VpcId: !Ref Vpc}}
  Role: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {}}}
  Web:
    Type: AWS::EC2::Instance
    Properties:
      A: !GetAtt Sg.GroupId
      B: !Sub "\${Role.Arn} \${P} \${AWS::Region} \${!Literal}"
      C: !Sub ["\${Own}", {Own: !Ref Vpc}]
  Lit:
    Type: AWS::EC2::Instance
    Properties: {A: !Sub "\${!Web}", B: !Ref P}
`);
  const graph = dependencyGraph(t, new Map());
  assert.deepEqual(deps(graph, "Sg"), ["Vpc"]);
  assert.deepEqual(deps(graph, "Web"), ["Role", "Sg", "Vpc"]);
  assert.deepEqual(deps(graph, "Lit"), []);
  assert.deepEqual(graph.creationWaves(), [["Lit", "Role", "Vpc"], ["Sg"], ["Web"]]);
});

test("every wave depends only on earlier waves", () => {
  const resources: Record<string, unknown> = {};
  for (let i = 0; i < 30; i++)
    resources[`R${i}`] = {
      ...handle,
      DependsOn: [i % 3, i % 7, Math.floor(i / 2)].filter((j) => j < i).map((j) => `R${j}`),
    };
  const graph = dependencyGraph(template(resources), new Map());
  const seen = new Set<string>();
  for (const wave of graph.creationWaves()) {
    for (const name of wave)
      for (const dep of graph.dependsOn.get(name)!) assert.ok(seen.has(dep), `${name} before ${dep}`);
    for (const name of wave) seen.add(name);
  }
  assert.equal(seen.size, 30);
});

test("a cycle is an error naming the cycle", () => {
  const t = template({
    A: { ...handle, DependsOn: "C" },
    B: { ...handle, DependsOn: "A" },
    C: { Type: "AWS::EC2::Instance", Properties: { X: { "Fn::GetAtt": ["B", "Id"] } } },
    D: { ...handle, DependsOn: "A" },
  });
  const errors = errorsOf(() => dependencyGraph(t, new Map()));
  assertError(errors, "Circular dependency between resources: A → C → B → A", { path: "Resources.A" });
});

test("resources and outputs whose condition is false are out of scope, and so are their dependencies", () => {
  const t = template(
    {
      Always: handle,
      ProdOnly: { ...handle, Condition: "IsProd", DependsOn: "Always" },
      After: {
        Type: "AWS::EC2::Instance",
        Properties: { X: { "Fn::If": ["IsProd", { Ref: "ProdOnly" }, "none"] } },
      },
    },
    {
      Parameters: { Env: { Type: "String" } },
      Conditions: { IsProd: { "Fn::Equals": [{ Ref: "Env" }, "prod"] } },
      Outputs: { P: { Condition: "IsProd", Value: { Ref: "ProdOnly" } }, A: { Value: "x" } },
    },
  );
  const dev = evaluateConditions(t, { parameters: { Env: "dev" }, pseudo });
  assert.deepEqual(Object.keys(resourcesInScope(t, dev).resources), ["Always", "After"]);
  assert.deepEqual(Object.keys(resourcesInScope(t, dev).outputs), ["A"]);
  assert.deepEqual(dependencyGraph(t, dev).creationWaves(), [["After", "Always"]]);
  const prod = evaluateConditions(t, { parameters: { Env: "prod" }, pseudo });
  assert.deepEqual(dependencyGraph(t, prod).creationWaves(), [["Always"], ["ProdOnly"], ["After"]]);
});

test("a resource or output in scope that needs one whose condition is false is an error naming it", () => {
  const t = template(
    {
      ProdOnly: { ...handle, Condition: "IsProd" },
      Needs: { ...handle, DependsOn: "ProdOnly" },
      Uses: { Type: "AWS::EC2::Instance", Properties: { X: { "Fn::Sub": "${ProdOnly}" } } },
      Picks: {
        Type: "AWS::EC2::Instance",
        Properties: { X: { "Fn::If": ["IsProd", { Ref: "ProdOnly" }, "none"] } },
      },
    },
    {
      Parameters: { Env: { Type: "String" } },
      Conditions: { IsProd: { "Fn::Equals": [{ Ref: "Env" }, "prod"] } },
      Outputs: { O: { Value: { "Fn::GetAtt": ["ProdOnly", "Id"] } } },
    },
  );
  const dev = evaluateConditions(t, { parameters: { Env: "dev" }, pseudo });
  const errors = errorsOf(() => dependencyGraph(t, dev));
  assertError(errors, "Unresolved resource dependencies [ProdOnly]: its condition is false", {
    path: "Resources.Needs.DependsOn",
  });
  assertError(errors, "[ProdOnly]", { path: "Resources.Uses.Properties.X.Fn::Sub" });
  assertError(errors, "[ProdOnly]", { path: "Outputs.O.Value.Fn::GetAtt" });
  assert.equal(errors.length, 3, "the Fn::If branch not taken is no dependency");
  const prod = evaluateConditions(t, { parameters: { Env: "prod" }, pseudo });
  assert.deepEqual(dependencyGraph(t, prod).creationWaves(), [["ProdOnly"], ["Needs", "Picks", "Uses"]]);
});
