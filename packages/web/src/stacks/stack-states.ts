/**
 * Stack, resource and instance statuses as badges (pure): coloured by outcome, labelled with CloudFormation's
 * and EC2's own names, so what the page says is what `aws cloudformation describe-stacks` says.
 */
import type { DisplayState } from "../format/states.ts";

/** Whether an operation is still running on the stack (its page follows it live). */
export const isInProgress = (status: string): boolean => status.endsWith("_IN_PROGRESS");

/**
 * Outcome first: anything rolling back or failed is a failure even while it runs; other operations in progress
 * are building; a created or updated stack passed; a deleted one (or a skipped delete) is over, in grey.
 */
export function stackDisplayState(status: string): DisplayState {
  if (status.includes("ROLLBACK") || status.endsWith("_FAILED")) return "failed";
  if (isInProgress(status)) return "building";
  if (status === "DELETE_COMPLETE" || status === "DELETE_SKIPPED") return "cancelled";
  if (status.endsWith("_COMPLETE")) return "passed";
  return "not-run";
}

/** EC2's instance states: pending boots, running is up, shutting-down and terminated are over. */
export function instanceDisplayState(state: string): DisplayState {
  switch (state) {
    case "pending":
      return "building";
    case "running":
      return "passed";
    case "shutting-down":
      return "scheduled";
    case "terminated":
      return "cancelled";
    default:
      return "not-run";
  }
}

/** Whether an instance may still change on its own (its page refreshes while it does). */
export const isInstanceLive = (state: string): boolean => state === "pending" || state === "running";
