import type { JobAssignment } from "@fawkes/protocol";
import { sleep } from "../backoff.ts";
import type { AgentLog } from "../options.ts";
import { isLeaseLost } from "../server-client.ts";
import type { ServerClient } from "../server-client.ts";

export interface WatchHandlers {
  cancel: () => void;
  fence: () => void;
}

/**
 * A job younger than this has no wait-cancel poll yet: most trivial jobs end before it, which saves a request
 * per job; a cancel of a younger job is seen when the poll opens (the server answers at once).
 */
const WAIT_CANCEL_AFTER_MS = 250;

/**
 * Keeps POST …/wait-cancel open for the rest of the job (re-issued whenever it answers `{cancel: false}`),
 * so a cancel reaches the agent at once.
 */
export async function watchCancel(
  client: ServerClient,
  job: JobAssignment,
  signal: AbortSignal,
  handlers: WatchHandlers,
  log: AgentLog,
): Promise<void> {
  await sleep(WAIT_CANCEL_AFTER_MS, signal);
  while (!signal.aborted) {
    try {
      if (await client.waitCancel(job, signal)) return handlers.cancel();
    } catch (error) {
      if (signal.aborted) return;
      if (isLeaseLost(error)) return handlers.fence();
      log("warn", "wait-cancel refused", { jobRunId: job.jobRunId, message: (error as Error).message });
      await sleep(1_000, signal);
    }
  }
}

/** Sends POST /agent/v1/heartbeat every heartbeatIntervalMs while the job builds. */
export async function sendHeartbeats(
  client: ServerClient,
  job: JobAssignment,
  signal: AbortSignal,
  log: AgentLog,
): Promise<void> {
  while (!signal.aborted) {
    await sleep(client.heartbeatIntervalMs, signal);
    if (signal.aborted) return;
    try {
      // Revoked leases reach the agent through client.onRevokedLeases.
      await client.heartbeat([job.leaseId], signal);
    } catch (error) {
      if (!signal.aborted)
        log("warn", "heartbeat refused", { jobRunId: job.jobRunId, message: (error as Error).message });
    }
  }
}
