/**
 * What an `AWS::EC2::Instance`'s properties ask for, checked before anything is made: the subnet and security
 * groups must be recorded (network.ts), the instance profile must exist and hold a role whose trust policy lets
 * EC2 assume it, and the user data must be valid base64. Every problem is a clear message (the resource's
 * CREATE_FAILED reason). Also: the ports the security groups open to the host, which the instance exposes.
 */
import {
  evaluate,
  parsePolicy,
  type IamInstanceProfile,
  type NetworkDirectory,
  type NetworkRecord,
  type RoleDefinition,
} from "@fawkes/cloud";
import { LOCAL_ACCOUNT } from "../cloud/access-keys.ts";

export const EC2_SERVICE = "ec2.amazonaws.com";

/** How far one security group rule may reach before it is not exposed port by port (the host's own ports). */
export const MAX_RULE_PORTS = 64;

export interface LaunchPlan {
  imageId: string;
  instanceType: string;
  keyName: string | null;
  subnetId: string | null;
  securityGroupIds: string[];
  /** The instance profile and its role, when the instance has one. */
  profile: { arn: string; role: RoleDefinition } | null;
  tags: Record<string, string>;
  userData: Buffer;
  /** TCP ports the security groups open to loopback clients (the host): `address:PORT` reaches the app. */
  exposedPorts: number[];
}

export interface LaunchPlanSources {
  network: NetworkDirectory;
  getInstanceProfile(name: string): Promise<IamInstanceProfile>;
  findRole(nameOrArn: string): Promise<RoleDefinition | undefined>;
  now(): number;
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;

function strings(value: unknown, property: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string"))
    throw new Error(`${property} must be a list of strings`);
  return value as string[];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** `UserData` is base64 (what `Fn::Base64` gives); anything else is refused, as EC2 refuses it. */
export function decodeUserData(value: unknown): Buffer {
  if (value === undefined || value === "") return Buffer.alloc(0);
  if (typeof value !== "string") throw new Error("UserData must be a base64 string (use Fn::Base64)");
  const compact = value.replace(/\s+/g, "");
  if (compact.length % 4 !== 0 || !BASE64.test(compact))
    throw new Error("Invalid BASE64 encoding of user data (UserData must be base64: use Fn::Base64)");
  return Buffer.from(compact, "base64");
}

/** Whether the role's trust policy lets the EC2 service assume it (what an instance profile's role needs). */
export function trustsEc2(role: RoleDefinition, now: number): boolean {
  const trust = parsePolicy(role.trustPolicy, { kind: "trust" }).policy;
  if (!trust) return false;
  return (
    evaluate(
      {
        principal: { type: "Service", arn: EC2_SERVICE },
        action: "sts:AssumeRole",
        resource: role.arn,
        context: {},
      },
      { identityPolicies: [], resourcePolicy: trust, now: new Date(now) },
    ).decision === "Allow"
  );
}

/** `IamInstanceProfile`: a name, or an ARN `arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME`. */
function profileName(value: string): string {
  if (!value.startsWith("arn:")) return value;
  const match = /^arn:aws:iam::(\d{12}):instance-profile\/(?:.*\/)?([^/]+)$/.exec(value);
  if (!match) throw new Error(`Value (${value}) for parameter iamInstanceProfile.arn is invalid.`);
  if (match[1] !== LOCAL_ACCOUNT)
    throw new Error(`Value (${value}) for parameter iamInstanceProfile.arn is invalid: another account`);
  return match[2]!;
}

async function resolveProfile(
  value: unknown,
  sources: LaunchPlanSources,
): Promise<{ arn: string; role: RoleDefinition } | null> {
  if (value === undefined || value === "") return null;
  if (typeof value !== "string")
    throw new Error("IamInstanceProfile must be an instance profile's name or ARN");
  const name = profileName(value);
  let profile: IamInstanceProfile;
  try {
    profile = await sources.getInstanceProfile(name);
  } catch {
    throw new Error(
      `Value (${value}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`,
    );
  }
  const roleName = profile.roles[0]?.name;
  if (roleName === undefined)
    throw new Error(`Instance profile ${profile.name} has no role: add one with AddRoleToInstanceProfile`);
  const role = await sources.findRole(profile.roles[0]!.arn);
  if (!role) throw new Error(`The role ${roleName} of instance profile ${profile.name} does not exist`);
  if (!trustsEc2(role, sources.now()))
    throw new Error(
      `The role ${role.name} of instance profile ${profile.name} cannot be assumed by ${EC2_SERVICE}: its trust policy needs a statement with "Principal": {"Service": "${EC2_SERVICE}"} and "Action": "sts:AssumeRole"`,
    );
  return { arn: profile.arn, role };
}

/** Whether a rule's source admits the host's loopback clients (`CidrIp` covering 127.0.0.1). */
function admitsLoopback(rule: Record<string, unknown>): boolean {
  const cidr = text(rule.CidrIp);
  if (cidr === undefined) return false;
  const [base, bitsText] = cidr.split("/");
  const bits = Number(bitsText ?? "32");
  const octets = (base ?? "").split(".").map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return false;
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const value = (address: number[]) => address.reduce((acc, octet) => acc * 256 + octet, 0);
  const mask = bits === 0 ? 0 : 2 ** 32 - 2 ** (32 - bits);
  const masked = (n: number) => Number(BigInt(n) & BigInt(mask));
  return masked(value(octets)) === masked(value([127, 0, 0, 1]));
}

/** The TCP ports the groups' ingress rules open to loopback, each range at most MAX_RULE_PORTS wide. */
export function openPorts(
  groups: readonly NetworkRecord[],
  ingress: readonly NetworkRecord[] = [],
): number[] {
  const rules: Record<string, unknown>[] = [];
  for (const group of groups)
    if (Array.isArray(group.properties.SecurityGroupIngress))
      rules.push(...(group.properties.SecurityGroupIngress as Record<string, unknown>[]));
  const ids = new Set(groups.map((group) => group.id));
  for (const record of ingress) if (ids.has(String(record.properties.GroupId))) rules.push(record.properties);
  const ports = new Set<number>();
  for (const rule of rules) {
    const protocol = text(rule.IpProtocol);
    if (protocol !== "tcp" && protocol !== "6") continue;
    if (!admitsLoopback(rule)) continue;
    const from = Number(rule.FromPort);
    const to = Number(rule.ToPort ?? rule.FromPort);
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to > 65535 || to < from) continue;
    if (to - from + 1 > MAX_RULE_PORTS) continue;
    for (let port = from; port <= to; port++) if (port !== 8155) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

export async function planLaunch(
  props: Record<string, unknown>,
  sources: LaunchPlanSources,
): Promise<LaunchPlan> {
  const userData = decodeUserData(props.UserData);
  const subnetId = text(props.SubnetId) ?? null;
  if (subnetId !== null) {
    const subnets = await sources.network.records("AWS::EC2::Subnet");
    if (!subnets.some((subnet) => subnet.id === subnetId))
      throw new Error(`The subnet ID '${subnetId}' does not exist`);
  }
  const groupIds = strings(props.SecurityGroupIds, "SecurityGroupIds");
  const groupNames = strings(props.SecurityGroups, "SecurityGroups");
  const allGroups = await sources.network.records("AWS::EC2::SecurityGroup");
  const groups: NetworkRecord[] = [];
  for (const id of groupIds) {
    const group = allGroups.find((record) => record.id === id);
    if (!group) throw new Error(`The security group '${id}' does not exist`);
    groups.push(group);
  }
  for (const name of groupNames) {
    const group = allGroups.find((record) => record.properties.GroupName === name || record.id === name);
    if (!group) throw new Error(`The security group '${name}' does not exist in default VPC`);
    groups.push(group);
  }
  const tags: Record<string, string> = {};
  for (const tag of Array.isArray(props.Tags) ? (props.Tags as { Key?: unknown; Value?: unknown }[]) : [])
    if (typeof tag.Key === "string") tags[tag.Key] = String(tag.Value ?? "");
  return {
    imageId: text(props.ImageId) ?? "ami-00000000",
    instanceType: text(props.InstanceType) ?? "m1.small",
    keyName: text(props.KeyName) ?? null,
    subnetId,
    securityGroupIds: [...new Set(groups.map((group) => group.id))],
    profile: await resolveProfile(props.IamInstanceProfile, sources),
    tags,
    userData,
    exposedPorts: openPorts(groups, await sources.network.records("AWS::EC2::SecurityGroupIngress")),
  };
}
