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
 * A type that exists only as its record: an EC2-style id (`prefix`) or a generated name, and its attributes.
 * `action` is the EC2 action AWS would authorise for it.
 */
function recorded(
  type: string,
  prefix: string | undefined,
  action: string,
  attributes: Attributes = () => ({}),
): ResourceProvider {
  return {
    type,
    physicalId: (_props, ctx) => (prefix === undefined ? generatedName(ctx) : ec2Id(prefix)),
    create: (physicalId, props, ctx) => {
      ctx.caller.authorize(`ec2:${action}`, `arn:aws:ec2:${ctx.region}:${ctx.accountId}:*`);
      return Promise.resolve(attributes(physicalId, props, ctx));
    },
    delete: () => Promise.resolve(),
  };
}

const zoneOf = (props: ResourceProperties, ctx: ProviderContext): string =>
  typeof props.AvailabilityZone === "string" ? props.AvailabilityZone : `${ctx.region}a`;

export const networkProviders: readonly ResourceProvider[] = [
  recorded("AWS::EC2::VPC", "vpc", "CreateVpc", (id, props) => ({
    VpcId: id,
    CidrBlock: props.CidrBlock,
    CidrBlockAssociations: [],
    DefaultNetworkAcl: ec2Id("acl"),
    DefaultSecurityGroup: ec2Id("sg"),
    Ipv6CidrBlocks: [],
  })),
  recorded("AWS::EC2::Subnet", "subnet", "CreateSubnet", (id, props, ctx) => ({
    SubnetId: id,
    VpcId: props.VpcId,
    CidrBlock: props.CidrBlock,
    AvailabilityZone: zoneOf(props, ctx),
    AvailabilityZoneId: "use1-az1",
    Ipv6CidrBlocks: [],
    NetworkAclAssociationId: ec2Id("aclassoc"),
  })),
  recorded("AWS::EC2::InternetGateway", "igw", "CreateInternetGateway", (id) => ({ InternetGatewayId: id })),
  recorded("AWS::EC2::VPCGatewayAttachment", undefined, "AttachInternetGateway"),
  recorded("AWS::EC2::RouteTable", "rtb", "CreateRouteTable", (id) => ({ RouteTableId: id })),
  recorded("AWS::EC2::Route", undefined, "CreateRoute", (_id, props) => ({
    CidrBlock: props.DestinationCidrBlock,
  })),
  recorded("AWS::EC2::SubnetRouteTableAssociation", "rtbassoc", "AssociateRouteTable", (id) => ({ Id: id })),
  recorded("AWS::EC2::NetworkAcl", "acl", "CreateNetworkAcl", (id) => ({ Id: id })),
  recorded("AWS::EC2::NetworkAclEntry", undefined, "CreateNetworkAclEntry", (id) => ({ Id: id })),
  recorded("AWS::EC2::SubnetNetworkAclAssociation", "aclassoc", "ReplaceNetworkAclAssociation", (id) => ({
    AssociationId: id,
  })),
  recorded("AWS::EC2::SecurityGroup", "sg", "CreateSecurityGroup", (id, props) => ({
    GroupId: id,
    VpcId: props.VpcId,
  })),
  recorded("AWS::EC2::SecurityGroupIngress", undefined, "AuthorizeSecurityGroupIngress", (id) => ({
    Id: id,
  })),
];
