// Validation: structure, references, attributes, types, policies, outputs and exports, capabilities.
import assert from "node:assert/strict";
import { test } from "node:test";
import { localResourceTypes, validateTemplate } from "../../src/stacks/template/index.ts";
import { assertError, handle, json, template, validationErrors, yaml } from "./support.ts";

test("a valid template's summary: description, parameters, no capabilities", () => {
  const t = template(
    { H: handle },
    {
      Description: "d",
      Parameters: {
        A: { Type: "String", Default: "x", Description: "the a" },
        S: { Type: "String", NoEcho: "true" },
      },
    },
  );
  assert.deepEqual(validateTemplate(t, localResourceTypes), {
    Description: "d",
    Parameters: [
      { ParameterKey: "A", DefaultValue: "x", NoEcho: false, Description: "the a" },
      { ParameterKey: "S", NoEcho: true },
    ],
    Capabilities: [],
  });
});

test("IAM resources need CAPABILITY_IAM, named ones CAPABILITY_NAMED_IAM", () => {
  const role = { Type: "AWS::IAM::Role", Properties: { AssumeRolePolicyDocument: {} } };
  const unnamed = validateTemplate(template({ R: role }), localResourceTypes);
  assert.deepEqual(unnamed.Capabilities, ["CAPABILITY_IAM"]);
  assert.equal(
    unnamed.CapabilitiesReason,
    "The following resource(s) require capabilities: [AWS::IAM::Role]",
  );
  const named = validateTemplate(
    template({ R: role, N: { ...role, Properties: { ...role.Properties, RoleName: "ci" } } }),
    localResourceTypes,
  );
  assert.deepEqual(named.Capabilities, ["CAPABILITY_NAMED_IAM"]);
});

test("unknown sections, versions, resource attributes and types are errors naming them", () => {
  const errors = validationErrors(
    yaml(`AWSTemplateFormatVersion: "2012-01-01"
Transform: AWS::Serverless-2016-10-31
Resources:
  A:
    Type: AWS::Lambda::Function
    Bogus: 1
  B:
    Properties: {}
  "c-d": {Type: AWS::CloudFormation::WaitConditionHandle}
`),
  );
  assertError(errors, /AWSTemplateFormatVersion "2012-01-01" is not supported/, { line: 1, column: 1 });
  assertError(errors, "Transform (macros, AWS::Serverless) is not supported", { line: 2 });
  assertError(errors, "Unrecognized resource types: [AWS::Lambda::Function]", {
    path: "Resources.A.Type",
    line: 5,
    column: 5,
  });
  assertError(errors, "Invalid template resource property 'Bogus'", { line: 6 });
  assertError(errors, "resource B must contain a Type member", { path: "Resources.B", line: 7, column: 3 });
  assertError(errors, "resource name c-d must be alphanumeric", { line: 9 });
});

test("Ref, GetAtt, Sub and DependsOn naming something undefined", () => {
  const errors = validationErrors(
    yaml(`Resources:
  A:
    Type: AWS::EC2::Instance
    DependsOn: [Nope]
    Properties:
      X: !Ref Missing
      Y: !GetAtt Gone.PublicIp
      Z: !Sub "\${Absent} \${B.Arn}"
  B: {Type: AWS::CloudFormation::WaitConditionHandle}
`),
  );
  assertError(errors, "DependsOn names undefined resource Nope", { path: "Resources.A.DependsOn", line: 4 });
  assertError(errors, "Unresolved resource dependencies [Missing] in Ref", { line: 6, column: 10 });
  assertError(errors, "Fn::GetAtt references undefined resource Gone", { line: 7 });
  assertError(errors, "Unresolved resource dependencies [Absent] in Fn::Sub", { line: 8 });
  assertError(
    errors,
    "resource B (AWS::CloudFormation::WaitConditionHandle) does not support attribute type Arn in Fn::Sub",
    {
      line: 8,
    },
  );
});

test("GetAtt of an attribute the type does not offer names the ones it does", () => {
  const errors = validationErrors(
    template({
      I: { Type: "AWS::EC2::Instance", Properties: { A: { "Fn::GetAtt": ["E", "Ip"] } } },
      E: { Type: "AWS::EC2::EIP" },
    }),
  );
  assertError(
    errors,
    "resource E (AWS::EC2::EIP) does not support attribute type Ip in Fn::GetAtt (it offers AllocationId, PublicIp)",
    {
      path: "Resources.I.Properties.A.Fn::GetAtt",
    },
  );
});

test("intrinsic function shape errors are collected with their lines", () => {
  const errors = validationErrors(
    yaml(`Resources:
  A:
    Type: AWS::EC2::Instance
    Properties:
      X: !Join [","]
      Y: {"Fn::Select": [0, [a]], Extra: 1}
      Z: {"Fn::Length": [1]}
      W: !If [NoSuchCondition, a, b]
      V: !FindInMap [NoMap, a, b]
`),
  );
  assertError(errors, "Fn::Join needs [delimiter, list]", { path: "Resources.A.Properties.X", line: 5 });
  assertError(errors, "Fn::Select must be the only key of its object", { line: 6 });
  assertError(errors, "unsupported intrinsic function Fn::Length", { line: 7 });
  assertError(errors, "Condition NoSuchCondition is not defined", { line: 8 });
  assertError(errors, "Fn::FindInMap names undefined mapping NoMap", { line: 9 });
});

test("conditions: shape, undefined conditions, resources in conditions, cycles", () => {
  const errors = validationErrors(
    template(
      { H: { ...handle, Condition: "Missing" } },
      {
        Conditions: {
          NotAFunction: "true",
          UsesResource: { "Fn::Equals": [{ Ref: "H" }, "x"] },
          UsesUndefined: { "Fn::Not": [{ Condition: "Nope" }] },
          A: { "Fn::Not": [{ Condition: "B" }] },
          B: { "Fn::Not": [{ Condition: "A" }] },
        },
      },
    ),
  );
  assertError(errors, "condition NotAFunction must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition");
  assertError(errors, "Ref H in a condition must name a parameter or pseudo-parameter");
  assertError(errors, "Condition Nope is not defined", { path: "Conditions.UsesUndefined.Fn::Not[0]" });
  assertError(errors, "Circular condition: A → B → A");
  assertError(errors, "Condition Missing is not defined", { path: "Resources.H.Condition" });
});

test("dependency cycles are validation errors naming the cycle", () => {
  const errors = validationErrors(
    template({ A: { ...handle, DependsOn: "B" }, B: { ...handle, DependsOn: "A" } }),
  );
  assertError(errors, "Circular dependency between resources: A → B → A");
});

test("parameters: Type required and supported, constraints well-formed", () => {
  const errors = validationErrors(
    template(
      { H: handle },
      {
        Parameters: {
          NoType: {},
          Odd: { Type: "AWS::SSM::Parameter::Value<String>" },
          BadPattern: { Type: "String", AllowedPattern: "(" },
          BadLength: { Type: "String", MinLength: "x", Bogus: 1 },
        },
      },
    ),
  );
  assertError(errors, "parameter NoType must have a Type");
  assertError(errors, "parameter Odd has an unsupported Type AWS::SSM::Parameter::Value<String>");
  assertError(errors, "AllowedPattern must be a valid regular expression");
  assertError(errors, "MinLength must be a number");
  assertError(errors, "Invalid template parameter property 'Bogus'");
});

test("required properties and literal property values are checked per type", () => {
  const errors = validationErrors(
    template({
      Sg: { Type: "AWS::EC2::SecurityGroup", Properties: { SecurityGroupIngress: [{ FromPort: 70000 }] } },
      Acl: {
        Type: "AWS::EC2::NetworkAclEntry",
        Properties: { NetworkAclId: "a", Protocol: 6, RuleAction: "maybe", RuleNumber: 0 },
      },
      Eip: { Type: "AWS::EC2::EIP", Properties: { Domain: { Ref: "AWS::Region" } } },
    }),
  );
  assertError(errors, "resource Sg (AWS::EC2::SecurityGroup) needs property GroupDescription");
  assertError(errors, "Sg: SecurityGroupIngress[0]: IpProtocol is required");
  assertError(errors, "Sg: SecurityGroupIngress[0]: FromPort must be an integer from -1 to 65535");
  assertError(errors, 'Acl: RuleAction must be one of allow, deny, not "maybe"');
  assertError(errors, "Acl: RuleNumber must be an integer from 1 to 32766");
  assert.ok(
    !errors.some((error) => error.path.startsWith("Resources.Eip")),
    "an intrinsic value is not checked",
  );
});

test("DeletionPolicy, CreationPolicy and UpdatePolicy are validated", () => {
  const errors = validationErrors(
    template({
      Snap: { ...handle, DeletionPolicy: "Snapshot" },
      Kept: { ...handle, DeletionPolicy: "Retain", UpdateReplacePolicy: "Delete" },
      Web: {
        Type: "AWS::EC2::Instance",
        CreationPolicy: { ResourceSignal: { Count: 0, Timeout: "15 minutes" } },
        UpdatePolicy: "x",
      },
      Ok: { Type: "AWS::EC2::Instance", CreationPolicy: { ResourceSignal: { Count: "1", Timeout: "PT5M" } } },
      Big: { Type: "AWS::EC2::Instance", CreationPolicy: { ResourceSignal: { Timeout: "PT13H" } } },
      Wrong: { ...handle, CreationPolicy: { ResourceSignal: {} } },
    }),
  );
  assertError(errors, 'DeletionPolicy must be Delete or Retain, not "Snapshot"', {
    path: "Resources.Snap.DeletionPolicy",
  });
  assertError(errors, "ResourceSignal.Count must be a whole number of signals, at least 1", {
    path: "Resources.Web.CreationPolicy",
  });
  assertError(errors, "ResourceSignal.Timeout must be an ISO 8601 duration");
  assertError(errors, "UpdatePolicy must be an object");
  assertError(errors, "ResourceSignal.Timeout must be at most PT12H", {
    path: "Resources.Big.CreationPolicy",
  });
  assertError(errors, "CreationPolicy does not apply to AWS::CloudFormation::WaitConditionHandle");
  assert.ok(
    !errors.some((error) => error.path.startsWith("Resources.Ok") || error.path.startsWith("Resources.Kept")),
  );
});

test("a WaitCondition needs Handle and Timeout (1 to 43200 seconds) unless it has a CreationPolicy", () => {
  const wait = "AWS::CloudFormation::WaitCondition";
  const errors = validationErrors(
    template({
      H: handle,
      NoHandle: { Type: wait, Properties: { Timeout: "60" } },
      Long: { Type: wait, Properties: { Handle: { Ref: "H" }, Timeout: "43201", Count: 0 } },
      Ok: { Type: wait, Properties: { Handle: { Ref: "H" }, Timeout: 43_200, Count: "2" } },
      Policy: { Type: wait, CreationPolicy: { ResourceSignal: { Count: 2 } } },
    }),
  );
  assertError(errors, "NoHandle: a WaitCondition without a CreationPolicy needs Handle and Timeout", {
    path: "Resources.NoHandle.Properties",
  });
  assertError(errors, "Long: Timeout must be a whole number of seconds from 1 to 43200 (12 hours)");
  assertError(errors, "Long: Count must be a whole number of signals, at least 1");
  assert.ok(
    !errors.some(
      (error) => error.path.startsWith("Resources.Ok") || error.path.startsWith("Resources.Policy"),
    ),
  );
});

test("outputs: Value required, Export shape, duplicate export names", () => {
  const errors = validationErrors(
    template(
      { H: handle },
      {
        Outputs: {
          NoValue: { Description: "x" },
          BadExport: { Value: "x", Export: "name" },
          One: { Value: "x", Export: { Name: "shared" } },
          Two: { Value: { Ref: "H" }, Export: { Name: "shared" } },
          Extra: { Value: "x", Bogus: 1 },
          Undefined: { Value: { Ref: "Nope" } },
        },
      },
    ),
  );
  assertError(errors, "output NoValue must have a Value", { path: "Outputs.NoValue" });
  assertError(errors, "Export must be {Name: value}", { path: "Outputs.BadExport.Export" });
  assertError(errors, 'duplicate Export name "shared" (also exported by output One)', {
    path: "Outputs.Two.Export",
  });
  assertError(errors, "Invalid output property Bogus");
  assertError(errors, "Unresolved resource dependencies [Nope] in Ref", {
    path: "Outputs.Undefined.Value.Ref",
  });
});

test("errors are collected across sections, each line:column in the thrown message", () => {
  const t = json({ Resources: { A: { Type: "AWS::Foo::Bar" }, B: { ...handle, DependsOn: "Nope" } } });
  assert.throws(
    () => validateTemplate(t, localResourceTypes),
    (error: Error) =>
      /^t\.json:4:\d+: Unrecognized resource types: \[AWS::Foo::Bar\]$/m.test(error.message) &&
      /^t\.json:8:\d+: DependsOn names undefined resource Nope$/m.test(error.message),
  );
});

test("sections are bounded by AWS's quotas", () => {
  const resources = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`R${i}`, handle]));
  assertError(
    validationErrors(template(resources)),
    "a template has at most 500 Resources (this one has 501)",
    {
      path: "Resources",
    },
  );
  const outputs = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`O${i}`, { Value: "x" }]));
  assertError(validationErrors(template({ H: handle }, { Outputs: outputs })), "at most 200 Outputs");
});

test("the local registry has every type issue 15 lists, with the attributes the seed templates use", () => {
  const ec2 = ["VPC", "Subnet", "InternetGateway", "VPCGatewayAttachment", "RouteTable", "Route"];
  const network = [
    "SubnetRouteTableAssociation",
    "NetworkAcl",
    "NetworkAclEntry",
    "SubnetNetworkAclAssociation",
  ];
  assert.deepEqual(
    localResourceTypes.types(),
    [
      "AWS::S3::Bucket",
      "AWS::S3::BucketPolicy",
      "AWS::IAM::Role",
      "AWS::IAM::Policy",
      "AWS::IAM::ManagedPolicy",
      "AWS::IAM::InstanceProfile",
      "AWS::EC2::Instance",
      "AWS::EC2::EIP",
      "AWS::EC2::EIPAssociation",
      "AWS::CloudFormation::WaitCondition",
      "AWS::CloudFormation::WaitConditionHandle",
      ...[...ec2, ...network, "SecurityGroup", "SecurityGroupIngress"].map((type) => `AWS::EC2::${type}`),
    ].sort(),
  );
  const attributes = (type: string) => localResourceTypes.get(type)!.attributes;
  for (const attribute of ["PrivateIp", "PublicIp", "PrivateDnsName", "PublicDnsName", "AvailabilityZone"])
    assert.ok(attributes("AWS::EC2::Instance").includes(attribute), attribute);
  assert.deepEqual(attributes("AWS::EC2::EIP"), ["AllocationId", "PublicIp"]);
  assert.deepEqual(attributes("AWS::IAM::Role"), ["Arn", "RoleId"]);
  assert.deepEqual(attributes("AWS::EC2::SecurityGroup"), ["GroupId", "VpcId"]);
  assert.ok(
    attributes("AWS::EC2::Subnet").includes("AvailabilityZone") &&
      attributes("AWS::EC2::Subnet").includes("VpcId"),
  );
  assert.ok(
    attributes("AWS::S3::Bucket").includes("Arn") && attributes("AWS::S3::Bucket").includes("DomainName"),
  );
});
