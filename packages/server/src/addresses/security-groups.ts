/**
 * Security group rules for stable addresses, from what stacks recorded: each `AWS::EC2::SecurityGroup`'s
 * `SecurityGroupIngress` and every `AWS::EC2::SecurityGroupIngress` naming the group (`GroupId`).
 */
import { ingressRulesOf, type IngressRule, type NetworkRecord } from "@fawkes/cloud";
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
