import type { ObjectStorage } from "../storage/object-storage.ts";

/** A rendered ListObjectsV2 page and the continuation token of the page after it, if any. */
export interface RenderedPage {
  body: Buffer;
  nextToken: string | undefined;
}

interface Entry extends RenderedPage {
  version: string;
  storedAt: number;
}

const maxEntries = 8;
const maxAgeMs = 30_000;

/**
 * Pages computed ahead: a client paging through a listing (`aws s3 ls --recursive`, `sync`, the SDK's
 * paginators) asks for the next page as soon as it has parsed this one, so the server renders that page
 * while the client parses. An entry is served only while the bucket's listing version is unchanged, so a
 * write in between is never hidden; entries are few (a page is at most ~300 KB) and short-lived.
 */
export class ListPrefetch {
  readonly #entries = new Map<string, Entry>();

  /** The page stored for `key`, if its listing version is still `version`; it is served once. */
  take(key: string, version: string): RenderedPage | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    return entry.version === version && Date.now() - entry.storedAt < maxAgeMs ? entry : undefined;
  }

  /**
   * Renders the page for `key` once the current request is answered, and keeps it if the listing did not
   * change while it was rendered. Failures are dropped: the request itself will compute (and report) them.
   * Resolves when the page is stored or dropped.
   */
  prefetch(
    storage: ObjectStorage,
    bucket: string,
    key: string,
    render: () => Promise<RenderedPage>,
  ): Promise<void> {
    return new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => {
        const version = await storage.listingVersion(bucket);
        if (version === undefined) return;
        const page = await render();
        if ((await storage.listingVersion(bucket)) !== version) return;
        this.#entries.delete(key);
        while (this.#entries.size >= maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
        this.#entries.set(key, { ...page, version, storedAt: Date.now() });
      })
      .catch(() => undefined);
  }
}

const prefetchers = new WeakMap<ObjectStorage, ListPrefetch>();

/** The prefetcher of one storage backend (an endpoint has one; tests may start several). */
export function listPrefetch(storage: ObjectStorage): ListPrefetch {
  let prefetch = prefetchers.get(storage);
  if (!prefetch) prefetchers.set(storage, (prefetch = new ListPrefetch()));
  return prefetch;
}
