/**
 * A server-sent events reader over fetch: an incremental parser (chunks may split lines and events anywhere) and a
 * subscription that reconnects with backoff when the stream drops.
 */

export interface SseMessage {
  event: string;
  data: string;
  id: string | undefined;
}

/** Incremental text/event-stream parser (WHATWG HTML §9.2.6, minus `retry`, which we ignore). */
export class SseParser {
  #buffer = "";
  #data: string[] = [];
  #event = "";
  #id: string | undefined;

  /** Feed decoded text; returns the messages completed by it. */
  push(text: string): SseMessage[] {
    this.#buffer += text;
    const messages: SseMessage[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#buffer);
      if (match === null) break;
      // A lone trailing \r may be the first half of \r\n: wait for the next chunk.
      if (match[0] === "\r" && match.index === this.#buffer.length - 1) break;
      const line = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      const message = this.#line(line);
      if (message !== undefined) messages.push(message);
    }
    return messages;
  }

  #line(line: string): SseMessage | undefined {
    if (line === "") {
      if (this.#data.length === 0) {
        this.#event = "";
        return undefined;
      }
      const message = {
        event: this.#event === "" ? "message" : this.#event,
        data: this.#data.join("\n"),
        id: this.#id,
      };
      this.#data = [];
      this.#event = "";
      return message;
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    else if (field === "id" && !value.includes("\0")) this.#id = value;
    return undefined;
  }
}

export interface SubscribeOptions {
  url: string;
  headers?: Record<string, string>;
  /** Called on every message. */
  onMessage(message: SseMessage): void;
  /** Called each time the stream (re)opens: events may have been missed, so callers re-fetch state here. */
  onOpen?(): void;
  /** Called when a connection attempt or an open stream fails; the subscription retries after `delayMs`. */
  onDrop?(error: unknown, delayMs: number): void;
  /** @default 250 */
  initialBackoffMs?: number;
  /** @default 5000 */
  maxBackoffMs?: number;
}

export interface Subscription {
  close(): void;
  /** Settles once `close()` was called and the reader stopped. */
  done: Promise<void>;
}

/** Reads the stream until closed, reconnecting with exponential backoff (reset after each successful open). */
export function subscribeSse(options: SubscribeOptions): Subscription {
  const controller = new AbortController();
  const initial = options.initialBackoffMs ?? 250;
  const max = options.maxBackoffMs ?? 5000;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      controller.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });

  let opened = false;

  async function readOnce(): Promise<void> {
    const response = await fetch(options.url, {
      headers: { accept: "text/event-stream", ...options.headers },
      signal: controller.signal,
    });
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new Error(`event stream answered HTTP ${response.status}`);
    }
    opened = true;
    options.onOpen?.();
    const parser = new SseParser();
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      for (const message of parser.push(decoder.decode(chunk, { stream: true }))) options.onMessage(message);
    }
    throw new Error("event stream ended");
  }

  async function loop(): Promise<void> {
    let backoff = initial;
    while (!controller.signal.aborted) {
      opened = false;
      try {
        await readOnce();
      } catch (error) {
        if (controller.signal.aborted) break;
        if (opened) backoff = initial;
        options.onDrop?.(error, backoff);
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, max);
    }
  }

  const done = loop();
  return { close: () => controller.abort(), done };
}
