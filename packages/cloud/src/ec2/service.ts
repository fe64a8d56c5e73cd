/**
 * EC2's Query API on the cloud endpoint, for what the workshop's scripts look up (`aws ec2 describe-subnets`,
 * `describe-security-groups`, `describe-vpcs`): the network resources stacks recorded (cloudformation's local
 * provider), with EC2's `Filter.N` semantics — values of one filter ORed, filters ANDed, `*` and `?` wildcards,
 * `tag:KEY` and `tag-key` — and ids (`SubnetId.N`, `GroupId.N`, `VpcId.N`). EC2's dialect: no Result wrapper,
 * lower-camel names, `<item>` list entries.
 */
import { AwsError } from "../aws-error.ts";
import { invalidAction } from "../query/handle.ts";
import type { QueryCaller, QueryRequest, QueryService } from "../query/service.ts";
import { el, text } from "../s3/xml.ts";
import { filtersOf, item, matches, str, tagSet } from "./filters.ts";
import { instanceActions, type InstanceSource } from "./instances.ts";

export const EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/";

/** One recorded network resource: its id, its template properties (resolved) and its tags. */
export interface NetworkRecord {
  id: string;
  properties: Record<string, unknown>;
  attributes: Record<string, unknown>;
  tags: Record<string, string>;
}

export interface NetworkDirectory {
  /** Live records of a CloudFormation type (`AWS::EC2::Subnet`…), oldest first. */
  records(type: string): Promise<NetworkRecord[]>;
  /** Stable (elastic) addresses, for DescribeAddresses. @default none */
  addresses?(): Promise<AddressView[]>;
}

/** A stable address as DescribeAddresses shows it. */
export interface AddressView {
  allocationId: string;
  publicIp: string;
  domain: string;
  associationId: string | null;
  instanceId: string | null;
  privateIp: string | null;
  tags: Record<string, string>;
}

export type { InstanceSource };

interface Lookup {
  type: string;
  /** The parameter naming ids (`SubnetId` → `SubnetId.N`) and the error code of an unknown one. */
  idParameter: string;
  notFound: string;
  setName: string;
  fields(record: NetworkRecord): Record<string, readonly string[]>;
  render(record: NetworkRecord, owner: string): string;
}

const lookups: Record<string, Lookup> = {
  DescribeSubnets: {
    type: "AWS::EC2::Subnet",
    idParameter: "SubnetId",
    notFound: "InvalidSubnetID.NotFound",
    setName: "subnetSet",
    fields: (r) => ({
      "subnet-id": [r.id],
      "vpc-id": [str(r.properties.VpcId)],
      "cidr-block": [str(r.properties.CidrBlock)],
      cidrBlock: [str(r.properties.CidrBlock)],
      "availability-zone": [str(r.attributes.AvailabilityZone)],
      state: ["available"],
    }),
    render: (r, owner) =>
      item(
        text("subnetId", r.id),
        text("state", "available"),
        text("vpcId", str(r.properties.VpcId)),
        text("cidrBlock", str(r.properties.CidrBlock)),
        text("availableIpAddressCount", 251),
        text("availabilityZone", str(r.attributes.AvailabilityZone)),
        text("defaultForAz", false),
        text(
          "mapPublicIpOnLaunch",
          r.properties.MapPublicIpOnLaunch === true || r.properties.MapPublicIpOnLaunch === "true",
        ),
        text("ownerId", owner),
        tagSet(r.tags),
      ),
  },
  DescribeSecurityGroups: {
    type: "AWS::EC2::SecurityGroup",
    idParameter: "GroupId",
    notFound: "InvalidGroup.NotFound",
    setName: "securityGroupInfo",
    fields: (r) => ({
      "group-id": [r.id],
      "group-name": [str(r.properties.GroupName ?? r.id)],
      "vpc-id": [str(r.properties.VpcId)],
      description: [str(r.properties.GroupDescription)],
    }),
    render: (r, owner) =>
      item(
        text("ownerId", owner),
        text("groupId", r.id),
        text("groupName", str(r.properties.GroupName ?? r.id)),
        text("groupDescription", str(r.properties.GroupDescription)),
        text("vpcId", str(r.properties.VpcId)),
        el("ipPermissions", ...rules(r.properties.SecurityGroupIngress)),
        el(
          "ipPermissionsEgress",
          item(text("ipProtocol", "-1"), el("ipRanges", item(text("cidrIp", "0.0.0.0/0")))),
        ),
        tagSet(r.tags),
      ),
  },
  DescribeVpcs: {
    type: "AWS::EC2::VPC",
    idParameter: "VpcId",
    notFound: "InvalidVpcID.NotFound",
    setName: "vpcSet",
    fields: (r) => ({
      "vpc-id": [r.id],
      "cidr-block": [str(r.properties.CidrBlock)],
      state: ["available"],
    }),
    render: (r, owner) =>
      item(
        text("vpcId", r.id),
        text("state", "available"),
        text("cidrBlock", str(r.properties.CidrBlock)),
        text("ownerId", owner),
        text("isDefault", false),
        tagSet(r.tags),
      ),
  },
};

/** A security group's ingress rules as EC2 lists them. */
function rules(ingress: unknown): string[] {
  if (!Array.isArray(ingress)) return [];
  return ingress.map((rule: Record<string, unknown>) =>
    item(
      text("ipProtocol", str(rule.IpProtocol)),
      rule.FromPort === undefined ? "" : text("fromPort", str(rule.FromPort)),
      rule.ToPort === undefined ? "" : text("toPort", str(rule.ToPort)),
      el("ipRanges", ...(rule.CidrIp === undefined ? [] : [item(text("cidrIp", str(rule.CidrIp)))])),
    ),
  );
}

export function ec2Service(
  directory: NetworkDirectory,
  options: { account?: string; region?: string; instances?: InstanceSource } = {},
): QueryService {
  const owner = options.account ?? "000000000000";
  const instances = options.instances
    ? instanceActions(options.instances, directory, { owner, region: options.region ?? "us-east-1" })
    : {};
  return {
    name: "ec2",
    xmlns: EC2_XMLNS,
    style: "ec2",
    async handle(request: QueryRequest) {
      const instanceAction = Object.hasOwn(instances, request.action) ? instances[request.action] : undefined;
      if (instanceAction && request.caller) return instanceAction(request, request.caller);
      if (request.action === "DescribeAddresses" && request.caller)
        return describeAddresses(directory, request);
      const lookup = Object.hasOwn(lookups, request.action) ? lookups[request.action] : undefined;
      const caller: QueryCaller | undefined = request.caller;
      if (!lookup || !caller) throw invalidAction("ec2", request.action);
      caller.authorize(`ec2:${request.action}`, "*");
      const ids = request.params.list(lookup.idParameter, { member: false });
      const filters = filtersOf(request.params);
      const records = await directory.records(lookup.type);
      for (const id of ids)
        if (!records.some((record) => record.id === id))
          throw new AwsError(
            lookup.notFound,
            400,
            `The ${lookup.idParameter.replace(/Id$/, " ID")} '${id}' does not exist`,
          );
      const found = records.filter(
        (record) => (ids.length === 0 || ids.includes(record.id)) && matches(record, filters, lookup.fields),
      );
      return el(lookup.setName, ...found.map((record) => lookup.render(record, owner)));
    },
  };
}

/**
 * DescribeAddresses: `PublicIp.N`, `AllocationId.N` (an unknown one is EC2's NotFound) and `Filter.N`
 * (`allocation-id`, `association-id`, `domain`, `instance-id`, `private-ip-address`, `public-ip`, `tag:KEY`…).
 */
async function describeAddresses(directory: NetworkDirectory, request: QueryRequest): Promise<string> {
  request.caller?.authorize("ec2:DescribeAddresses", "*");
  const ips = request.params.list("PublicIp", { member: false });
  const allocations = request.params.list("AllocationId", { member: false });
  const filters = filtersOf(request.params);
  const addresses = (await directory.addresses?.()) ?? [];
  for (const ip of ips)
    if (!addresses.some((address) => address.publicIp === ip))
      throw new AwsError("InvalidAddress.NotFound", 400, `Address '${ip}' not found.`);
  for (const id of allocations)
    if (!addresses.some((address) => address.allocationId === id))
      throw new AwsError("InvalidAllocationID.NotFound", 400, `The allocation ID '${id}' does not exist`);
  const found = addresses.filter(
    (address) =>
      (ips.length === 0 || ips.includes(address.publicIp)) &&
      (allocations.length === 0 || allocations.includes(address.allocationId)) &&
      matches(
        { id: address.allocationId, properties: {}, attributes: {}, tags: address.tags },
        filters,
        () => ({
          "allocation-id": [address.allocationId],
          "association-id": address.associationId === null ? [] : [address.associationId],
          domain: [address.domain],
          "instance-id": address.instanceId === null ? [] : [address.instanceId],
          "private-ip-address": address.privateIp === null ? [] : [address.privateIp],
          "public-ip": [address.publicIp],
        }),
      ),
  );
  return el(
    "addressesSet",
    ...found.map((address) =>
      item(
        text("publicIp", address.publicIp),
        text("allocationId", address.allocationId),
        text("domain", address.domain),
        address.instanceId === null ? "" : text("instanceId", address.instanceId),
        address.associationId === null ? "" : text("associationId", address.associationId),
        address.privateIp === null ? "" : text("privateIpAddress", address.privateIp),
        text("publicIpv4Pool", "amazon"),
        text("networkBorderGroup", "us-east-1"),
        tagSet(address.tags),
      ),
    ),
  );
}
