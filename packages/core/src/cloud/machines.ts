/**
 * The state machines of the cloud side: STS sessions, stacks and their resources (CloudFormation's own status
 * names, so `aws cloudformation describe-stacks` shows what AWS would) and phoenix instances (EC2's instance
 * states). Diagrams are in docs/states.md, checked against these tables by the same test as the engine's.
 */
import type { StateMachine } from "../runs/state-machine.ts";

/** A temporary credential (sts_sessions): revoked by a person, its role, or the end of its job; expiry is time. */
export const sessionMachine = {
  name: "session",
  initial: ["active"],
  transitions: {
    active: { revoke: "revoked" },
    revoked: {},
  },
} as const satisfies StateMachine;

/**
 * A stack (StackStatus). A failed create rolls back what it made unless rollback is disabled (then it stays
 * CREATE_FAILED); an update that fails rolls back to the previous template; the *_CLEANUP_IN_PROGRESS states
 * delete what an update replaced. A server that stops mid-operation resumes or fails it through these same edges.
 */
export const stackMachine = {
  name: "stack",
  initial: ["CREATE_IN_PROGRESS"],
  transitions: {
    CREATE_IN_PROGRESS: {
      created: "CREATE_COMPLETE",
      fail: "CREATE_FAILED",
      rollback: "ROLLBACK_IN_PROGRESS",
    },
    CREATE_COMPLETE: { update: "UPDATE_IN_PROGRESS", delete: "DELETE_IN_PROGRESS" },
    CREATE_FAILED: { delete: "DELETE_IN_PROGRESS" },
    ROLLBACK_IN_PROGRESS: { rolledBack: "ROLLBACK_COMPLETE", fail: "ROLLBACK_FAILED" },
    ROLLBACK_COMPLETE: { delete: "DELETE_IN_PROGRESS" },
    ROLLBACK_FAILED: { delete: "DELETE_IN_PROGRESS" },
    UPDATE_IN_PROGRESS: {
      updated: "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
      rollback: "UPDATE_ROLLBACK_IN_PROGRESS",
    },
    UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: { cleanedUp: "UPDATE_COMPLETE" },
    UPDATE_COMPLETE: { update: "UPDATE_IN_PROGRESS", delete: "DELETE_IN_PROGRESS" },
    UPDATE_ROLLBACK_IN_PROGRESS: {
      rolledBack: "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
      fail: "UPDATE_ROLLBACK_FAILED",
    },
    UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: { cleanedUp: "UPDATE_ROLLBACK_COMPLETE" },
    UPDATE_ROLLBACK_COMPLETE: { update: "UPDATE_IN_PROGRESS", delete: "DELETE_IN_PROGRESS" },
    UPDATE_ROLLBACK_FAILED: { continueRollback: "UPDATE_ROLLBACK_IN_PROGRESS", delete: "DELETE_IN_PROGRESS" },
    DELETE_IN_PROGRESS: { deleted: "DELETE_COMPLETE", fail: "DELETE_FAILED" },
    DELETE_FAILED: { delete: "DELETE_IN_PROGRESS" },
    DELETE_COMPLETE: {},
  },
} as const satisfies StateMachine;

/**
 * One resource of a stack (ResourceStatus). `retain` is a DeletionPolicy of Retain (or a resource a failed
 * delete leaves behind on purpose): the stack forgets it, the resource stays.
 */
export const resourceMachine = {
  name: "resource",
  initial: ["CREATE_IN_PROGRESS"],
  transitions: {
    CREATE_IN_PROGRESS: { created: "CREATE_COMPLETE", fail: "CREATE_FAILED" },
    CREATE_COMPLETE: { update: "UPDATE_IN_PROGRESS", delete: "DELETE_IN_PROGRESS", retain: "DELETE_SKIPPED" },
    CREATE_FAILED: { delete: "DELETE_IN_PROGRESS" },
    UPDATE_IN_PROGRESS: { updated: "UPDATE_COMPLETE", fail: "UPDATE_FAILED" },
    UPDATE_COMPLETE: { update: "UPDATE_IN_PROGRESS", delete: "DELETE_IN_PROGRESS", retain: "DELETE_SKIPPED" },
    UPDATE_FAILED: { update: "UPDATE_IN_PROGRESS", delete: "DELETE_IN_PROGRESS" },
    DELETE_IN_PROGRESS: { deleted: "DELETE_COMPLETE", fail: "DELETE_FAILED" },
    DELETE_FAILED: { delete: "DELETE_IN_PROGRESS", retain: "DELETE_SKIPPED" },
    DELETE_COMPLETE: {},
    DELETE_SKIPPED: {},
  },
} as const satisfies StateMachine;

/**
 * A phoenix instance (EC2's instance state names). `boot` is its user data started and its address serving;
 * a boot that fails, or a terminate, shuts it down; `relaunch` is a server restart booting a running instance
 * again from scratch, as a replaced server would be.
 */
export const instanceMachine = {
  name: "instance",
  initial: ["pending"],
  transitions: {
    pending: { boot: "running", terminate: "shutting-down" },
    running: { relaunch: "pending", terminate: "shutting-down" },
    "shutting-down": { terminated: "terminated" },
    terminated: {},
  },
} as const satisfies StateMachine;

/**
 * A stable (elastic) address (addresses table: associated while it has an association id; released is the row
 * gone). `associate` from associated is a move to another instance (EC2's reassociation); releasing an associated
 * address disassociates it first.
 */
export const addressMachine = {
  name: "address",
  initial: ["allocated"],
  transitions: {
    allocated: { associate: "associated", release: "released" },
    associated: { associate: "associated", disassociate: "allocated" },
    released: {},
  },
} as const satisfies StateMachine;

export type AddressState = keyof (typeof addressMachine)["transitions"];
export type SessionState = keyof (typeof sessionMachine)["transitions"];
export type StackStatus = keyof (typeof stackMachine)["transitions"];
export type ResourceStatus = keyof (typeof resourceMachine)["transitions"];
export type InstanceState = keyof (typeof instanceMachine)["transitions"];

/** Stack statuses no operation is running in: a stack in one of these can be updated or deleted. */
export const settledStackStatuses: readonly StackStatus[] = (
  Object.keys(stackMachine.transitions) as StackStatus[]
).filter((status) => !status.endsWith("_IN_PROGRESS"));
