/**
 * The network types of the workshop's templates. One machine has one network, so these make nothing: they are
 * recorded (ids, properties, tags in the stack's resource rows) so that `Ref`, `Fn::GetAtt` and EC2's Describe*
 * lookups answer as AWS would. Security group ingress rules are enforced where they matter: on stable
 * addresses (the EIP listeners).
 */
import {
  ec2Id,
  generatedName,
  type ProviderContext,
  type ResourceProperties,
  type ResourceProvider,
} from "../providers.ts";

type Attributes = (
  physicalId: string,
  props: ResourceProperties,
  ctx: ProviderContext,
) => Record<string, unknown>;

/**
 * A type that exists only as its record: an EC2-style id (`prefix`) or a generated name, and its attributes
 * (a function of the id and the properties, so an update in place recomputes them). `action` is the EC2 action
 * AWS would authorise for it, also asked of an update; `replacedBy` the properties whose change makes a new one.
 */
function recorded(
  type: string,
  prefix: string | undefined,
  action: string,
  replacedBy: readonly string[],
  attributes: Attributes = () => ({}),
): ResourceProvider {
  const record = (physicalId: string, props: ResourceProperties, ctx: ProviderContext) => {
    ctx.caller.authorize(`ec2:${action}`, `arn:aws:ec2:${ctx.region}:${ctx.accountId}:*`);
    return Promise.resolve(attributes(physicalId, props, ctx));
  };
  return {
    type,
    replacedBy,
    physicalId: (_props, ctx) => (prefix === undefined ? generatedName(ctx) : ec2Id(prefix)),
    create: record,
    update: (physicalId, _oldProps, newProps, ctx) => record(physicalId, newProps, ctx),
    delete: () => Promise.resolve(),
  };
}

/** An id of another kind derived from `id` (`vpc-0a1b…` → `acl-0a1b…`): stable across updates. */
const sibling = (id: string, prefix: string): string => `${prefix}-${id.slice(id.indexOf("-") + 1)}`;

const zoneOf = (props: ResourceProperties, ctx: ProviderContext): string =>
  typeof props.AvailabilityZone === "string" ? props.AvailabilityZone : `${ctx.region}a`;

/** What places a subnet: changing any of it makes a new subnet, as on AWS. */
const SUBNET_PLACEMENT = ["VpcId", "CidrBlock", "AvailabilityZone", "AvailabilityZoneId", "Ipv6CidrBlock"];

export const networkProviders: readonly ResourceProvider[] = [
  recorded(
    "AWS::EC2::VPC",
    "vpc",
    "CreateVpc",
    ["CidrBlock", "Ipv4IpamPoolId", "Ipv4NetmaskLength"],
    (id, props) => ({
      VpcId: id,
      CidrBlock: props.CidrBlock,
      CidrBlockAssociations: [],
      DefaultNetworkAcl: sibling(id, "acl"),
      DefaultSecurityGroup: sibling(id, "sg"),
      Ipv6CidrBlocks: [],
    }),
  ),
  recorded("AWS::EC2::Subnet", "subnet", "CreateSubnet", SUBNET_PLACEMENT, (id, props, ctx) => ({
    SubnetId: id,
    VpcId: props.VpcId,
    CidrBlock: props.CidrBlock,
    AvailabilityZone: zoneOf(props, ctx),
    AvailabilityZoneId: "use1-az1",
    Ipv6CidrBlocks: [],
    NetworkAclAssociationId: sibling(id, "aclassoc"),
  })),
  recorded("AWS::EC2::InternetGateway", "igw", "CreateInternetGateway", [], (id) => ({
    InternetGatewayId: id,
  })),
  recorded("AWS::EC2::VPCGatewayAttachment", undefined, "AttachInternetGateway", ["VpcId"]),
  recorded("AWS::EC2::RouteTable", "rtb", "CreateRouteTable", ["VpcId"], (id) => ({ RouteTableId: id })),
  recorded(
    "AWS::EC2::Route",
    undefined,
    "CreateRoute",
    ["RouteTableId", "DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"],
    (_id, props) => ({ CidrBlock: props.DestinationCidrBlock }),
  ),
  recorded(
    "AWS::EC2::SubnetRouteTableAssociation",
    "rtbassoc",
    "AssociateRouteTable",
    ["SubnetId"],
    (id) => ({
      Id: id,
    }),
  ),
  recorded("AWS::EC2::NetworkAcl", "acl", "CreateNetworkAcl", ["VpcId"], (id) => ({ Id: id })),
  recorded(
    "AWS::EC2::NetworkAclEntry",
    undefined,
    "CreateNetworkAclEntry",
    ["NetworkAclId", "RuleNumber", "Egress"],
    (id) => ({ Id: id }),
  ),
  recorded(
    "AWS::EC2::SubnetNetworkAclAssociation",
    "aclassoc",
    "ReplaceNetworkAclAssociation",
    ["SubnetId", "NetworkAclId"],
    (id) => ({ AssociationId: id }),
  ),
  recorded(
    "AWS::EC2::SecurityGroup",
    "sg",
    "CreateSecurityGroup",
    ["GroupDescription", "GroupName", "VpcId"],
    (id, props) => ({ GroupId: id, VpcId: props.VpcId }),
  ),
  recorded(
    "AWS::EC2::SecurityGroupIngress",
    undefined,
    "AuthorizeSecurityGroupIngress",
    [
      "GroupId",
      "GroupName",
      "IpProtocol",
      "FromPort",
      "ToPort",
      "CidrIp",
      "CidrIpv6",
      "SourcePrefixListId",
      "SourceSecurityGroupId",
      "SourceSecurityGroupName",
      "SourceSecurityGroupOwnerId",
    ],
    (id) => ({ Id: id }),
  ),
];
