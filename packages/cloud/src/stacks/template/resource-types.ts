/**
 * What the template engine knows of each resource type: its `Fn::GetAtt` attributes (as AWS documents them), its
 * required properties, the IAM capability it needs and checks of literal property values. Providers (what
 * creates the resource) live elsewhere; a type missing here fails validation naming the type.
 */
import { isRecord } from "./model.ts";

export type Capability = "CAPABILITY_IAM" | "CAPABILITY_NAMED_IAM";

export interface ResourceTypeSpec {
  type: string;
  attributes: readonly string[];
  requiredProperties: readonly string[];
  /** The capability a resource with these properties needs, if any. */
  capability?: (props: Record<string, unknown>) => Capability | undefined;
  /** Problems in the literal values of the properties (values that are intrinsic calls are not checked). */
  validate?(props: Record<string, unknown>): string[];
  /** Whether `CreationPolicy` applies to the type (`ResourceSignal`). */
  creationPolicy?: boolean;
}

export interface ResourceTypeRegistry {
  get(type: string): ResourceTypeSpec | undefined;
  types(): string[];
}

export function resourceTypeRegistry(specs: readonly ResourceTypeSpec[]): ResourceTypeRegistry {
  const byType = new Map(specs.map((spec) => [spec.type, spec]));
  return { get: (type) => byType.get(type), types: () => [...byType.keys()].sort() };
}

/** IAM resources need `CAPABILITY_NAMED_IAM` when they are given an explicit name, `CAPABILITY_IAM` otherwise. */
const iam =
  (nameProperty?: string) =>
  (props: Record<string, unknown>): Capability =>
    nameProperty !== undefined && props[nameProperty] !== undefined
      ? "CAPABILITY_NAMED_IAM"
      : "CAPABILITY_IAM";

/** A literal value of `key` must be one of `allowed` (case as AWS spells them). */
const oneOf =
  (key: string, allowed: readonly string[]) =>
  (props: Record<string, unknown>): string[] => {
    const value = props[key];
    if (typeof value !== "string" || allowed.includes(value)) return [];
    return [`${key} must be one of ${allowed.join(", ")}, not ${JSON.stringify(value)}`];
  };

const isLiteral = (value: unknown): value is string | number =>
  typeof value === "string" || typeof value === "number";

/** A literal port or rule number within bounds. */
const integerIn = (key: string, value: unknown, min: number, max: number): string[] => {
  if (!isLiteral(value)) return [];
  const n = Number(value);
  return Number.isInteger(n) && n >= min && n <= max
    ? []
    : [`${key} must be an integer from ${min} to ${max}`];
};

function securityGroupRules(props: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of ["SecurityGroupIngress", "SecurityGroupEgress"]) {
    const rules = props[key];
    if (rules === undefined || !Array.isArray(rules)) continue;
    rules.forEach((rule, index) => {
      if (!isRecord(rule)) return;
      problems.push(...securityGroupRule(rule).map((problem) => `${key}[${index}]: ${problem}`));
    });
  }
  return problems;
}

function securityGroupRule(rule: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (rule.IpProtocol === undefined) problems.push("IpProtocol is required");
  problems.push(
    ...integerIn("FromPort", rule.FromPort, -1, 65535),
    ...integerIn("ToPort", rule.ToPort, -1, 65535),
  );
  return problems;
}

function networkAclEntry(props: Record<string, unknown>): string[] {
  const problems = [...oneOf("RuleAction", ["allow", "deny"])(props)];
  problems.push(...integerIn("RuleNumber", props.RuleNumber, 1, 32766));
  const range = props.PortRange;
  if (isRecord(range))
    problems.push(
      ...integerIn("PortRange.From", range.From, 0, 65535),
      ...integerIn("PortRange.To", range.To, 0, 65535),
    );
  return problems;
}

const spec = (
  type: string,
  attributes: readonly string[],
  requiredProperties: readonly string[] = [],
  extra: Partial<ResourceTypeSpec> = {},
): ResourceTypeSpec => ({ type, attributes, requiredProperties, ...extra });

/** The types the local provider creates (issue 15 item 2). */
export const localResourceTypes: ResourceTypeRegistry = resourceTypeRegistry([
  spec("AWS::S3::Bucket", ["Arn", "DomainName", "DualStackDomainName", "RegionalDomainName", "WebsiteURL"]),
  spec("AWS::S3::BucketPolicy", [], ["Bucket", "PolicyDocument"]),
  spec("AWS::IAM::Role", ["Arn", "RoleId"], ["AssumeRolePolicyDocument"], { capability: iam("RoleName") }),
  spec("AWS::IAM::Policy", [], ["PolicyDocument", "PolicyName"], { capability: iam() }),
  spec(
    "AWS::IAM::ManagedPolicy",
    [
      "PolicyArn",
      "PolicyId",
      "AttachmentCount",
      "CreateDate",
      "DefaultVersionId",
      "IsAttachable",
      "UpdateDate",
    ],
    ["PolicyDocument"],
    { capability: iam("ManagedPolicyName") },
  ),
  spec("AWS::IAM::InstanceProfile", ["Arn"], ["Roles"], { capability: iam("InstanceProfileName") }),
  spec(
    "AWS::EC2::Instance",
    ["AvailabilityZone", "InstanceId", "PrivateDnsName", "PrivateIp", "PublicDnsName", "PublicIp", "VpcId"],
    [],
    { creationPolicy: true },
  ),
  spec("AWS::EC2::EIP", ["AllocationId", "PublicIp"], [], { validate: oneOf("Domain", ["vpc", "standard"]) }),
  spec("AWS::EC2::EIPAssociation", ["Id"]),
  spec("AWS::CloudFormation::WaitCondition", ["Data"], [], { creationPolicy: true }),
  spec("AWS::CloudFormation::WaitConditionHandle", []),
  spec("AWS::EC2::VPC", [
    "CidrBlock",
    "CidrBlockAssociations",
    "DefaultNetworkAcl",
    "DefaultSecurityGroup",
    "Ipv6CidrBlocks",
    "VpcId",
  ]),
  spec(
    "AWS::EC2::Subnet",
    [
      "AvailabilityZone",
      "AvailabilityZoneId",
      "CidrBlock",
      "Ipv6CidrBlocks",
      "NetworkAclAssociationId",
      "SubnetId",
      "VpcId",
    ],
    ["VpcId"],
  ),
  spec("AWS::EC2::InternetGateway", ["InternetGatewayId"]),
  spec("AWS::EC2::VPCGatewayAttachment", [], ["VpcId"]),
  spec("AWS::EC2::RouteTable", ["RouteTableId"], ["VpcId"]),
  spec("AWS::EC2::Route", ["CidrBlock"], ["RouteTableId"]),
  spec("AWS::EC2::SubnetRouteTableAssociation", ["Id"], ["RouteTableId", "SubnetId"]),
  spec("AWS::EC2::NetworkAcl", ["Id"], ["VpcId"]),
  spec("AWS::EC2::NetworkAclEntry", ["Id"], ["NetworkAclId", "Protocol", "RuleAction", "RuleNumber"], {
    validate: networkAclEntry,
  }),
  spec("AWS::EC2::SubnetNetworkAclAssociation", ["AssociationId"], ["NetworkAclId", "SubnetId"]),
  spec("AWS::EC2::SecurityGroup", ["GroupId", "VpcId"], ["GroupDescription"], {
    validate: securityGroupRules,
  }),
  spec("AWS::EC2::SecurityGroupIngress", ["Id"], ["IpProtocol"], { validate: securityGroupRule }),
]);
