/** The phoenix instances as EC2's Query API sees them (DescribeInstances, GetConsoleOutput, TerminateInstances). */
import type { Ec2Instance, InstanceSource } from "@fawkes/cloud";
import { requesterOrigin } from "../identity/iam-store.ts";
import { instanceAttributes } from "../stacks/local/instance.ts";
import type { InstanceRecord, Instances } from "./instances.ts";

export function toEc2Instance(record: InstanceRecord, region: string): Ec2Instance {
  const attributes = instanceAttributes(record, region);
  return {
    instanceId: record.instanceId,
    state: record.state,
    stateReason: record.stateReason,
    privateIp: record.privateIp,
    publicIp: String(attributes.PublicIp),
    privateDnsName: String(attributes.PrivateDnsName),
    publicDnsName: String(attributes.PublicDnsName),
    imageId: record.imageId,
    instanceType: record.instanceType,
    keyName: record.keyName,
    subnetId: record.subnetId,
    securityGroupIds: record.securityGroupIds,
    instanceProfileArn: record.instanceProfileArn,
    launchedAt: record.launchedAt,
    terminatedAt: record.terminatedAt,
    tags: {
      ...(record.stackId !== null && {
        "aws:cloudformation:stack-id": record.stackId,
        "aws:cloudformation:stack-name": record.stackId.split("/")[1] ?? "",
        "aws:cloudformation:logical-id": record.logicalId ?? "",
      }),
      ...record.tags,
    },
  };
}

export function ec2Instances(instances: Instances, region: string): InstanceSource {
  return {
    list: async () => (await instances.list({ all: true })).map((record) => toEc2Instance(record, region)),
    console: (instanceId) => instances.console(instanceId),
    async terminate(instanceId, caller) {
      const before = await instances.find(instanceId);
      const after = await instances.terminate(instanceId, requesterOrigin(caller));
      return { previous: before.state, current: after.state };
    },
  };
}
