/**
 * AWS's paging of IAM's List* actions: `MaxItems` (1–1000, default 100) and `Marker` in, `IsTruncated` and
 * `Marker` out. Items are ordered by a key (a lower-cased name, a tag key, a version number) and a marker is the
 * key of the last item of the page before, so a page never repeats or skips an item that existed throughout,
 * even when others are created or deleted between pages. Markers are opaque: the key is sealed with an HMAC of
 * this endpoint's (per-process) secret and the list it belongs to, so a forged, altered or foreign marker (one
 * from another list, or from before a restart) is a ValidationError, never a crash or a wrong page.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { validationError, type QueryParams } from "../query/params.ts";
import { text } from "../s3/xml.ts";

export const DEFAULT_MAX_ITEMS = 100;
export const MAX_MAX_ITEMS = 1000;

export interface Page<T> {
  items: T[];
  /** `<IsTruncated>` and, when truncated, `<Marker>`: the tail of every List* result. */
  tail: string;
}

export class Pager {
  readonly #secret: Buffer;

  constructor(secret: Buffer = randomBytes(32)) {
    this.#secret = secret;
  }

  /**
   * The page of `items` that `params` asks for. `list` names the list (`ListRoles`, `ListRolePolicies:ROLEID`)
   * so its markers are refused by any other; `keyOf` gives each item's unique ordering key.
   */
  page<T>(params: QueryParams, list: string, items: readonly T[], keyOf: (item: T) => string): Page<T> {
    const maxItems = params.integer("MaxItems", 1, MAX_MAX_ITEMS) ?? DEFAULT_MAX_ITEMS;
    const marker = params.get("Marker");
    const after = marker === undefined ? undefined : this.#open(list, marker);
    const sorted = items
      .map((item) => ({ item, key: keyOf(item) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const rest = after === undefined ? sorted : sorted.filter(({ key }) => key > after);
    const page = rest.slice(0, maxItems);
    const truncated = rest.length > page.length;
    return {
      items: page.map(({ item }) => item),
      tail:
        text("IsTruncated", truncated) +
        (truncated ? text("Marker", this.#seal(list, page.at(-1)!.key)) : ""),
    };
  }

  #mac(list: string, key: string): Buffer {
    return createHmac("sha256", this.#secret).update(list).update("\0").update(key).digest().subarray(0, 16);
  }

  #seal(list: string, key: string): string {
    return `${Buffer.from(key).toString("base64url")}.${this.#mac(list, key).toString("base64url")}`;
  }

  #open(list: string, marker: string): string {
    const [encodedKey, encodedMac, extra] = marker.split(".");
    if (encodedKey !== undefined && encodedMac !== undefined && extra === undefined) {
      const key = Buffer.from(encodedKey, "base64url").toString();
      const mac = Buffer.from(encodedMac, "base64url");
      const expected = this.#mac(list, key);
      if (mac.length === expected.length && timingSafeEqual(mac, expected)) return key;
    }
    throw validationError(`Invalid Marker: ${marker.length > 64 ? `${marker.slice(0, 64)}…` : marker}`);
  }
}

/** A zero-padded ordering key for a number (so `v10` sorts after `v9`). */
export const numberKey = (n: number): string => String(n).padStart(12, "0");
