import type { ListedObject } from "../storage/object-index.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import type { CloudLogger } from "../endpoint.ts";
import type { LifecycleConfiguration, LifecycleRule } from "./rules.ts";

const DAY = 86_400_000;

/** What one lifecycle pass removed. */
export interface LifecycleReport {
  /** Objects deleted, with the ID of the rule that expired them. */
  expired: { bucket: string; key: string; rule: string }[];
  /** Incomplete multipart uploads aborted. */
  aborted: { bucket: string; key: string; uploadId: string; rule: string }[];
}

/**
 * S3's expiry instant: the object's creation time plus `days`, rounded up to the next midnight UTC (so an
 * object written at 15:00 with Days=1 expires at midnight after the next day starts, as on AWS).
 */
export function expiryTime(created: number, days: number): number {
  return Math.ceil((created + days * DAY) / DAY) * DAY;
}

function matches(rule: LifecycleRule, record: ListedObject): boolean {
  const { filter } = rule;
  return (
    record.key.startsWith(filter.prefix) &&
    (filter.sizeGreaterThan === undefined || record.size > filter.sizeGreaterThan) &&
    (filter.sizeLessThan === undefined || record.size < filter.sizeLessThan)
  );
}

async function* objectsUnder(
  storage: ObjectStorage,
  bucket: string,
  prefix: string,
): AsyncGenerator<ListedObject> {
  let after = "";
  for (;;) {
    const page = await storage.listObjects(bucket, { prefix, delimiter: "", after, maxKeys: 1000 });
    yield* page.contents;
    if (!page.isTruncated || page.last === undefined) return;
    after = page.last;
  }
}

/** The objects a rule expires at `now`: past their age, or beyond the newest N of their group. */
function expiredBy(rule: LifecycleRule, records: ListedObject[], now: number): ListedObject[] {
  const expired = new Set<ListedObject>();
  const { expiration } = rule;
  if (expiration)
    for (const record of records) {
      const at =
        expiration.days !== undefined
          ? expiryTime(record.lastModified, expiration.days)
          : Date.parse(expiration.date!);
      if (now >= at) expired.add(record);
    }
  if (rule.keepNewest !== undefined) {
    const groups = new Map<string, ListedObject[]>();
    const prefixLength = rule.filter.prefix.length;
    for (const record of records) {
      const delimiter = rule.groupByDelimiter;
      const at = delimiter === undefined ? -1 : record.key.indexOf(delimiter, prefixLength);
      const group = at < 0 ? "" : record.key.slice(0, at + delimiter!.length);
      let list = groups.get(group);
      if (!list) groups.set(group, (list = []));
      list.push(record);
    }
    for (const list of groups.values()) {
      // Newest first; equal times keep the greater key (later build names usually sort later).
      list.sort((a, b) => b.lastModified - a.lastModified || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
      for (const record of list.slice(rule.keepNewest)) expired.add(record);
    }
  }
  return [...expired];
}

/**
 * Applies every enabled rule of every bucket once. Deletions are conditional on the listed version still being
 * current, so an object uploaded again while the pass runs is never removed by it.
 */
export async function applyLifecycle(
  storage: ObjectStorage,
  now: number,
  log?: CloudLogger,
): Promise<LifecycleReport> {
  const report: LifecycleReport = { expired: [], aborted: [] };
  for (const { name: bucket } of await storage.listBuckets()) {
    const text = await storage.getBucketDocument(bucket, "lifecycle");
    if (text === undefined) continue;
    const config = JSON.parse(text) as LifecycleConfiguration;
    for (const rule of config.rules) {
      if (!rule.enabled) continue;
      try {
        if (rule.expiration || rule.keepNewest !== undefined) {
          const records: ListedObject[] = [];
          for await (const record of objectsUnder(storage, bucket, rule.filter.prefix))
            if (matches(rule, record)) records.push(record);
          for (const record of expiredBy(rule, records, now))
            if (await storage.deleteObject(bucket, record.key, record))
              report.expired.push({ bucket, key: record.key, rule: rule.id });
        }
        if (rule.abortIncompleteAfterDays !== undefined)
          for (const upload of await storage.listUploads(bucket)) {
            if (!upload.key.startsWith(rule.filter.prefix)) continue;
            if (now < expiryTime(upload.initiated, rule.abortIncompleteAfterDays)) continue;
            await storage.abortUpload(bucket, upload.uploadId).then(
              () =>
                report.aborted.push({ bucket, key: upload.key, uploadId: upload.uploadId, rule: rule.id }),
              () => undefined, // completed or aborted meanwhile
            );
          }
      } catch (error) {
        // A bucket deleted mid-pass, or a storage failure: the next pass retries; other rules still run.
        log?.warn({ err: error, bucket, rule: rule.id }, "lifecycle rule failed");
      }
    }
  }
  if (report.expired.length + report.aborted.length > 0)
    log?.info({ expired: report.expired.length, aborted: report.aborted.length }, "lifecycle applied");
  return report;
}

/** Runs `applyLifecycle` every `intervalMs` (never two passes at once) until stopped. */
export function startLifecycleSweeper(
  run: () => Promise<unknown>,
  intervalMs: number,
): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = run()
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
