/**
 * `AWS::CloudFormation::WaitConditionHandle` and `AWS::CloudFormation::WaitCondition`. A handle is only its
 * presigned URL on the cloud endpoint (its physical id: `Ref` gives it); the waiting itself is the stack
 * engine's (stacks/signals.ts): a wait condition completes once `Count` SUCCESS signals reached its handle.
 * Neither leaves anything behind to delete.
 */
import type { ResourceProvider } from "../providers.ts";
import {
  WAIT_CONDITION_HANDLE_TYPE,
  WAIT_CONDITION_TYPE,
  waitConditionHandleUrl,
  waitConditionKey,
} from "../signals.ts";

export function waitConditionProviders(dataKey: Buffer, cloudUrl: () => string): ResourceProvider[] {
  const key = waitConditionKey(dataKey);
  return [
    {
      type: WAIT_CONDITION_HANDLE_TYPE,
      physicalId: (_props, ctx) => waitConditionHandleUrl(key, cloudUrl(), ctx.stackId, ctx.logicalId),
      create: async () => ({}),
      delete: async () => {},
    },
    {
      type: WAIT_CONDITION_TYPE,
      // CloudFormation's: the stack's ARN and the logical id.
      physicalId: (_props, ctx) => `${ctx.stackId}/${ctx.logicalId}`,
      create: async () => ({}),
      delete: async () => {},
    },
  ];
}
