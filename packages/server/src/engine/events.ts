/** In-process fan-out of ServerEvents to SSE clients and internal waiters. */
import type { ServerEvent } from "@fawkes/protocol";

export class EventBus {
  readonly #listeners = new Set<(event: ServerEvent) => void>();

  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(event: ServerEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A broken subscriber must not stop the others.
      }
    }
  }
}
