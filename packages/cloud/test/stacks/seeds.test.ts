// The workshop's two templates, byte for byte as the workshop has them (fixtures/workshop/): they load, validate,
// plan and resolve.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  dependencyGraph,
  evaluateConditions,
  localResourceTypes,
  outputs,
  parseTemplate,
  resolveParameters,
  resolveValue,
  resourcesInScope,
  validateTemplate,
} from "../../src/stacks/template/index.ts";
import type { ParsedTemplate } from "../../src/stacks/template/index.ts";
import { context, pseudo } from "./support.ts";

const seed = (name: string): ParsedTemplate => {
  const path = new URL(`fixtures/workshop/${name}`, import.meta.url);
  return parseTemplate(readFileSync(path, "utf8"), name);
};

/** Plans the template and evaluates every resource's properties in wave order, as the stack engine will. */
function createInOrder(t: ParsedTemplate, given: Record<string, string>) {
  const parameters = resolveParameters(t, given);
  const conditions = evaluateConditions(t, { parameters: parameters.values, pseudo });
  const graph = dependencyGraph(t, conditions);
  const created = new Set<string>();
  const properties: Record<string, unknown> = {};
  const { resources } = resourcesInScope(t, conditions);
  const ctx = context({
    parameters: parameters.values,
    conditions,
    template: t,
    ref: (name) => {
      assert.ok(created.has(name), `Ref ${name} before it was created`);
      return `phys-${name}`;
    },
    getAtt: (name, attribute) => {
      assert.ok(created.has(name), `GetAtt ${name} before it was created`);
      return `${name}.${attribute}`;
    },
  });
  for (const wave of graph.creationWaves()) {
    for (const name of wave) {
      for (const dep of graph.dependsOn.get(name)!) assert.ok(created.has(dep), `${name} before ${dep}`);
      properties[name] = resolveValue(resources[name]!.Properties, ctx, `Resources.${name}.Properties`);
    }
    for (const name of wave) created.add(name);
  }
  assert.equal(created.size, Object.keys(resources).length);
  return { graph, properties, outputs: outputs(t, ctx) };
}

test("infrastructure template: validates, plans and resolves", () => {
  const t = seed("infrastructure-template.json");
  const summary = validateTemplate(t, localResourceTypes);
  assert.equal(summary.Description, "devops-part-four, infrastructure");
  assert.deepEqual(summary.Capabilities, ["CAPABILITY_IAM"]);
  const { graph, properties, outputs: values } = createInOrder(t, {});
  const waves = graph.creationWaves();
  assert.deepEqual(waves[0], ["InternetGateway", "RoleForCISlave", "S3Bucket", "VPC"]);
  assert.deepEqual(waves.at(-1), ["EIPCIMaster", "EIPCISlave"]);
  assert.deepEqual((properties.Subnet as Record<string, unknown>).VpcId, "phys-VPC");
  assert.deepEqual(values, [
    { key: "CIMasterPublicIp", value: "EC2InstanceCIMaster.PublicIp" },
    { key: "CISlavePublicIp", value: "EC2InstanceCISlave.PublicIp" },
    { key: "CIMasterPrivateIp", value: "EC2InstanceCIMaster.PrivateIp" },
  ]);
});

test("app-server template: validates (CAPABILITY_IAM), plans and resolves its user data", () => {
  const t = seed("app-server-template.json");
  const summary = validateTemplate(t, localResourceTypes);
  assert.deepEqual(summary.Capabilities, ["CAPABILITY_IAM"]);
  assert.match(summary.CapabilitiesReason!, /AWS::IAM::Role/);
  assert.deepEqual(
    summary.Parameters.map((p) => p.ParameterKey),
    ["SubnetId", "SecurityGroupId", "BuildNumber"],
  );
  const { graph, properties } = createInOrder(t, {
    SubnetId: "subnet-1",
    SecurityGroupId: "sg-1",
    BuildNumber: "42",
  });
  assert.deepEqual(graph.creationWaves(), [
    ["RoleForAppServer"],
    ["InstanceProfileForAppServer", "PolicyForS3ReadAccess"],
    ["EC2InstanceAppServer"],
    ["EIPAppServer"],
  ]);
  const instance = properties.EC2InstanceAppServer as Record<string, unknown>;
  assert.deepEqual(instance.SecurityGroupIds, ["sg-1"]);
  assert.deepEqual(instance.Tags, [{ Key: "Name", Value: "App Server - Build 42" }]);
  const userData = Buffer.from(instance.UserData as string, "base64").toString("utf8");
  assert.match(userData, /^#!\/bin\/sh \n/);
  assert.match(userData, /--include "application-\*-42-standalone\.jar" \n/);
});

test("the app-server template without its parameters names them all", () => {
  assert.throws(
    () => resolveParameters(seed("app-server-template.json"), {}),
    /app-server-template\.json:\d+:\d+: Parameters: \[SubnetId, SecurityGroupId, BuildNumber\] must have values/,
  );
});

test("the app-server template in YAML with short forms is the same template", () => {
  const path = new URL("fixtures/app-server-template.yaml", import.meta.url);
  const fromYaml = parseTemplate(readFileSync(path, "utf8"), "app-server-template.yaml");
  assert.deepEqual(fromYaml.body, seed("app-server-template.json").body);
  assert.deepEqual(validateTemplate(fromYaml, localResourceTypes).Capabilities, ["CAPABILITY_IAM"]);
});
