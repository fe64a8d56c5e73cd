/**
 * What stable addresses read from stacks' records. Security group rules, from what stacks recorded: each `AWS::EC2::SecurityGroup`'s
 * `SecurityGroupIngress` and every `AWS::EC2::SecurityGroupIngress` naming the group (`GroupId`).
 */
import { ingressRulesOf, type AddressView, type IngressRule, type NetworkRecord } from "@fawkes/cloud";
import type { AddressRecord } from "../store/addresses-repo.ts";
import type { SecurityGroupRules } from "./addresses.ts";

export function recordedSecurityGroups(
  records: (type: string) => Promise<NetworkRecord[]>,
): SecurityGroupRules {
  return {
    async rulesOf(groupIds) {
      if (groupIds.length === 0) return [];
      const wanted = new Set(groupIds);
      const rules: IngressRule[] = [];
      for (const group of await records("AWS::EC2::SecurityGroup"))
        if (wanted.has(group.id)) rules.push(...ingressRulesOf(group.properties.SecurityGroupIngress));
      for (const ingress of await records("AWS::EC2::SecurityGroupIngress"))
        if (wanted.has(String(ingress.properties.GroupId)))
          rules.push(...ingressRulesOf([ingress.properties]));
      return rules;
    },
  };
}

/**
 * Addresses as DescribeAddresses shows them: an address a stack made carries its record's tags (the template's
 * `Tags` and CloudFormation's `aws:cloudformation:*`), as EC2's other Describe* do.
 */
export async function addressViews(
  addresses: readonly AddressRecord[],
  records: (type: string) => Promise<NetworkRecord[]>,
): Promise<AddressView[]> {
  const made = new Map((await records("AWS::EC2::EIP")).map((record) => [record.id, record.tags]));
  return addresses.map((address) => ({
    ...address,
    tags: { ...address.tags, ...made.get(address.publicIp) },
  }));
}
