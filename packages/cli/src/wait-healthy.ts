/** Waits (with a deadline) until GET /api/v1/health answers 200. */
import type { FawkesClient } from "./client.ts";
import { CliError } from "./errors.ts";

export async function waitUntilHealthy(client: FawkesClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  for (;;) {
    try {
      await client.health();
      return;
    } catch (error) {
      if (Date.now() >= deadline) {
        throw new CliError(
          `the server at ${client.serverUrl} did not become healthy within ${timeoutMs} ms`,
          { cause: error },
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 500);
  }
}
