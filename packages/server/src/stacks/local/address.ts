/**
 * `AWS::EC2::EIP` and `AWS::EC2::EIPAssociation`: stable addresses (server/src/addresses). An EIP's physical id
 * (its `Ref`) is its public IP, reserved before it is allocated; with `InstanceId` it is also associated, as the
 * seed templates do. An association's physical id is its association id: creating it moves the address (EC2's
 * reassociation), deleting it when the address has moved on changes nothing, so retiring the old build's stack
 * never detaches the address from the new build. Both come after their instance is CREATE_COMPLETE (a `Ref` to
 * it is a dependency). Its tags are the stack's record's (the stack engine's `recordsOf`): see addressViews.
 */
import type { AddressRecord } from "../../store/addresses-repo.ts";
import { newAssociationId, type Addresses } from "../../addresses/addresses.ts";
import type { ProviderContext, ResourceProvider } from "../providers.ts";

type AddressService = Pick<
  Addresses,
  "reserveIp" | "allocate" | "release" | "associate" | "disassociate" | "find" | "list"
>;

const arn = (ctx: ProviderContext, id: string): string =>
  `arn:aws:ec2:${ctx.region}:${ctx.accountId}:elastic-ip/${id}`;

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

export function addressProviders(addresses: AddressService): ResourceProvider[] {
  const eip: ResourceProvider = {
    type: "AWS::EC2::EIP",
    physicalId: () => addresses.reserveIp(),
    async create(publicIp, props, ctx) {
      ctx.caller.authorize("ec2:AllocateAddress", arn(ctx, "*"));
      const instanceId = text(props.InstanceId);
      if (instanceId !== undefined) ctx.caller.authorize("ec2:AssociateAddress", arn(ctx, "*"));
      let address: AddressRecord = await addresses.allocate({
        publicIp,
        domain: text(props.Domain) ?? "vpc",
        stackId: ctx.stackId,
        logicalId: ctx.logicalId,
      });
      if (instanceId !== undefined && address.instanceId !== instanceId)
        address = await addresses.associate({ address: address.allocationId, instanceId });
      return { AllocationId: address.allocationId, PublicIp: address.publicIp };
    },
    // An update keeps the address: a new InstanceId moves it there (the phoenix switch by update-stack), none
    // detaches it. A new Domain needs a new address, as on AWS.
    replacedBy: ["Domain"],
    async update(publicIp, _oldProps, newProps, ctx) {
      const address = await addresses.find(publicIp);
      if (!address) return eip.create(publicIp, newProps, ctx);
      const instanceId = text(newProps.InstanceId);
      if (instanceId !== undefined && address.instanceId !== instanceId) {
        ctx.caller.authorize("ec2:AssociateAddress", arn(ctx, address.allocationId));
        await addresses.associate({ address: address.allocationId, instanceId });
      }
      if (instanceId === undefined && address.associationId !== null) {
        ctx.caller.authorize("ec2:DisassociateAddress", arn(ctx, address.allocationId));
        await addresses.disassociate(address.associationId);
      }
      return { AllocationId: address.allocationId, PublicIp: address.publicIp };
    },
    async delete(publicIp, _props, ctx) {
      const address = await addresses.find(publicIp);
      if (!address) return addresses.release(publicIp);
      if (address.associationId !== null)
        ctx.caller.authorize("ec2:DisassociateAddress", arn(ctx, address.allocationId));
      ctx.caller.authorize("ec2:ReleaseAddress", arn(ctx, address.allocationId));
      await addresses.release(address.allocationId);
    },
  };
  const association: ResourceProvider = {
    type: "AWS::EC2::EIPAssociation",
    physicalId: () => newAssociationId(),
    async create(associationId, props, ctx) {
      const target = text(props.AllocationId) ?? text(props.EIP);
      const instanceId = text(props.InstanceId);
      if (target === undefined || instanceId === undefined)
        throw new Error("EIPAssociation needs AllocationId (or EIP) and InstanceId");
      const address = await addresses.find(target);
      ctx.caller.authorize("ec2:AssociateAddress", arn(ctx, address?.allocationId ?? "*"));
      await addresses.associate({ address: target, instanceId, associationId });
      return { Id: associationId };
    },
    async delete(associationId, _props, ctx) {
      // No longer current (the address moved on) or never made: nothing to do, and no right needed.
      const address = (await addresses.list()).find((a) => a.associationId === associationId);
      if (!address) return;
      ctx.caller.authorize("ec2:DisassociateAddress", arn(ctx, address.allocationId));
      await addresses.disassociate(associationId);
    },
  };
  return [eip, association];
}

/** The types whose records hold the ingress rules stable addresses enforce. */
const RULE_TYPES = new Set(["AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"]);

/**
 * `providers` with the security group types telling `changed` the stack whose rules they made or deleted: the
 * caller re-reads the rules once that stack's operation has settled (when the records say so).
 */
export function announcingRuleChanges(
  providers: readonly ResourceProvider[],
  changed: (stackId: string) => void,
): ResourceProvider[] {
  return providers.map((provider) =>
    RULE_TYPES.has(provider.type)
      ? {
          ...provider,
          async create(physicalId, props, ctx) {
            const attributes = await provider.create(physicalId, props, ctx);
            changed(ctx.stackId);
            return attributes;
          },
          async delete(physicalId, props, ctx) {
            await provider.delete(physicalId, props, ctx);
            changed(ctx.stackId);
          },
          ...(provider.update && {
            update: async (physicalId, oldProps, newProps, ctx) => {
              const attributes = await provider.update!(physicalId, oldProps, newProps, ctx);
              changed(ctx.stackId);
              return attributes;
            },
          }),
        }
      : provider,
  );
}
