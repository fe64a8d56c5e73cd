/**
 * `AWS::EC2::Instance`: a phoenix instance (instances/instances.ts). Made with the caller's rights, as
 * CloudFormation does without a service role: `ec2:RunInstances` on the instance, and `iam:PassRole` for its
 * instance profile's role. The create resolves once the instance is `running`; its user data need not finish
 * (as on EC2 without a CreationPolicy: the workshop's runs its app in the foreground). `failure` resolves when
 * the user data fails, so a CreationPolicy wait can fail early.
 */
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { assertCanPassRole } from "../../identity/roles.ts";
import type { Instances, InstanceRecord } from "../../instances/instances.ts";
import { EC2_SERVICE, planLaunch, type LaunchPlanSources } from "../../instances/launch-plan.ts";
import { ec2Id, type ProviderContext, type ResourceProvider } from "../providers.ts";

const instanceArn = (ctx: ProviderContext, id: string): string =>
  `arn:aws:ec2:${ctx.region}:${ctx.accountId}:instance/${id}`;

/** `Fn::GetAtt` of an instance: its address is its public one until an elastic address is associated. */
export function instanceAttributes(record: InstanceRecord, region: string): Record<string, unknown> {
  const publicIp = record.publicIp ?? record.privateIp;
  return {
    PrivateIp: record.privateIp,
    PublicIp: publicIp,
    PrivateDnsName: privateDnsName(record.privateIp, region),
    PublicDnsName: publicDnsName(publicIp, region),
    AvailabilityZone: `${region}a`,
  };
}

const dashed = (address: string): string => address.replaceAll(".", "-");

/** EC2's names: `ip-127-100-0-1.ec2.internal` (us-east-1), `ip-….REGION.compute.internal` elsewhere. */
export const privateDnsName = (address: string, region: string): string =>
  `ip-${dashed(address)}.${region === "us-east-1" ? "ec2.internal" : `${region}.compute.internal`}`;

export const publicDnsName = (address: string, region: string): string =>
  `ec2-${dashed(address)}.${region === "us-east-1" ? "compute-1" : `${region}.compute`}.amazonaws.com`;

async function findOrNone(instances: Instances, id: string): Promise<InstanceRecord | undefined> {
  try {
    return await instances.find(id);
  } catch (error) {
    if (error instanceof FawkesError && error.code === ErrorCode.instanceNotFound) return undefined;
    throw error;
  }
}

export function instanceProvider(instances: Instances, sources: LaunchPlanSources): ResourceProvider {
  return {
    type: "AWS::EC2::Instance",
    physicalId: () => ec2Id("i"),
    async create(id, props, ctx) {
      ctx.caller.authorize("ec2:RunInstances", instanceArn(ctx, id));
      const plan = await planLaunch(props, sources);
      if (plan.profile) assertCanPassRole(ctx.caller.passer, plan.profile.role.arn, EC2_SERVICE);
      const record = await instances.launch({
        instanceId: id,
        stackId: ctx.stackId,
        logicalId: ctx.logicalId,
        plan,
        origin: ctx.caller.origin,
      });
      return instanceAttributes(record, ctx.region);
    },
    async delete(id, _props, ctx) {
      const record = await findOrNone(instances, id);
      // Never made, or already gone: nothing to do, and no right needed.
      if (!record || record.state === "terminated") return;
      ctx.caller.authorize("ec2:TerminateInstances", instanceArn(ctx, id));
      await instances.terminate(id, ctx.caller.origin);
    },
    async currentAttributes(id, region) {
      const record = await findOrNone(instances, id);
      return record && instanceAttributes(record, region);
    },
    async failure(id) {
      let result;
      try {
        result = await instances.booted(id);
      } catch (error) {
        return `Instance ${id} is not running: ${(error as Error).message}`;
      }
      if (result.ok) return new Promise<string>(() => {});
      return `Instance ${id} failed to boot: ${result.failures.join(", ")} failed (exit ${result.exitCode}); see its console output`;
    },
  };
}
