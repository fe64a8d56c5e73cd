/** The stack engine as CloudFormation's Query API sees it (cloud/src/cloudformation/service.ts). */
import type { QueryCaller, StackBackend, StackView } from "@fawkes/cloud";
import { requesterOrigin } from "../identity/iam-store.ts";
import type { StackRecord } from "../store/stacks-repo.ts";
import type { StackCaller } from "./providers.ts";
import type { StackEngine } from "./stack-engine.ts";

/** DescribeStacks without a name lists deleted stacks of the last 90 days only in ListStacks, as AWS. */
const DELETED_KEPT_MS = 90 * 24 * 60 * 60 * 1000;

/** A Query caller acting on a stack: audited as its principal, passing roles and authorised with its key. */
export const queryStackCaller = (caller: QueryCaller): StackCaller => ({
  origin: requesterOrigin(caller),
  passer: caller.accessKey,
  authorize: (action, resource) => caller.authorize(action, resource),
});

export function stackBackend(engine: StackEngine, now: () => number): StackBackend {
  const view = (stack: StackRecord): StackView => ({
    stackId: stack.stackId,
    name: stack.name,
    status: stack.status,
    statusReason: stack.statusReason,
    description: stack.description,
    parameters: engine.parameters(stack),
    outputs: stack.outputs,
    capabilities: stack.capabilities,
    tags: stack.tags,
    disableRollback: stack.disableRollback,
    createdAt: stack.createdAt,
    updatedAt: stack.updatedAt,
    deletedAt: stack.deletedAt,
  });
  return {
    validate: (body) => engine.validate(body),
    async create(input) {
      const stack = await engine.create({ ...input, caller: queryStackCaller(input.caller) });
      return { stackId: stack.stackId };
    },
    async update({ nameOrId, caller, ...input }) {
      const stack = await engine.update({ ...input, name: nameOrId, caller: queryStackCaller(caller) });
      return { stackId: stack.stackId };
    },
    delete: (nameOrId, caller) => engine.delete(nameOrId, queryStackCaller(caller)),
    async describe(nameOrId, waitMs) {
      const stack = await engine.describe(nameOrId);
      if (!stack.status.endsWith("_IN_PROGRESS")) return view(stack);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        engine.settled(stack.stackId),
        new Promise((resolve) => (timer = setTimeout(resolve, waitMs))),
      ]).finally(() => clearTimeout(timer));
      return view(await engine.describe(stack.stackId));
    },
    async list({ includeDeleted }) {
      const stacks = await engine.list(includeDeleted ? { deletedSince: now() - DELETED_KEPT_MS } : {});
      return stacks.map(view);
    },
    async events(nameOrId) {
      return engine.events(nameOrId);
    },
    async resources(nameOrId) {
      const stack = await engine.describe(nameOrId);
      return (await engine.resources(nameOrId))
        .filter((resource) => resource.status !== "DELETE_COMPLETE" || stack.status === "DELETE_COMPLETE")
        .map((resource) => ({ ...resource, stackName: stack.name }));
    },
    template: (nameOrId) => engine.template(nameOrId),
    signal: (input) => engine.signals.signalResource(input),
  };
}
