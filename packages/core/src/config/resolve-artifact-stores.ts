/**
 * Fawkes's `artifact_stores` (top level of any config file) and the binding of each `external` artifact's
 * `store_id` to its bucket. The built-in store `fawkes` is the server's own bucket `fawkes-artifacts`.
 */
import type { ArtifactStoreConfig, PipelineConfig } from "./model.ts";
import { at, checkName, escapes, locationOf } from "./resolve-context.ts";
import type { IssueSink, Place } from "./resolve-context.ts";
import { didYouMean } from "./did-you-mean.ts";
import { trimSlashes } from "./resolve-external.ts";
import type { RawArtifactStore } from "./yaml-schema.ts";

export const DEFAULT_ARTIFACT_STORE: ArtifactStoreConfig = Object.freeze({
  id: "fawkes",
  type: "s3",
  bucket: "fawkes-artifacts",
  prefix: "",
  location: null,
});

/** S3's bucket naming rules (lower case, 3-63 characters, no `..`, not an IP address). */
const bucketPattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function validBucketName(name: string): boolean {
  return bucketPattern.test(name) && !name.includes("..") && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

export interface DeclaredStore {
  name: string;
  raw: RawArtifactStore;
  place: Place;
}

/** Validates the declared stores; returns every usable store, the built-in one first. */
export function resolveArtifactStores(declared: DeclaredStore[], sink: IssueSink): ArtifactStoreConfig[] {
  const stores: ArtifactStoreConfig[] = [DEFAULT_ARTIFACT_STORE];
  const places = new Map<string, Place[]>();
  for (const store of declared) {
    const key = store.name.toLowerCase();
    places.set(key, [...(places.get(key) ?? []), store.place]);
  }
  for (const { name, raw, place } of declared) {
    const before = sink.count;
    checkName(name, "artifact store", place, sink);
    if (name.toLowerCase() === DEFAULT_ARTIFACT_STORE.id)
      sink.add(locationOf(place), `artifact store "${name}" is built in and cannot be redefined`);
    else if ((places.get(name.toLowerCase())?.length ?? 0) > 1)
      sink.add(locationOf(place), `artifact store "${name}" is defined more than once`);
    if (!validBucketName(raw.bucket))
      sink.add(
        locationOf(at(place, "bucket"), "value"),
        `invalid bucket name "${raw.bucket}": use 3-63 lower-case letters, digits, . and -`,
      );
    const prefix = trimSlashes(raw.prefix ?? "");
    const badSegment = prefix.split("/").some((segment) => segment === "." || segment === "");
    if (prefix !== "" && (escapes(prefix) || badSegment))
      sink.add(
        locationOf(at(place, "prefix"), "value"),
        `invalid prefix "${raw.prefix}": use /-separated names without "." or ".." segments`,
      );
    if (sink.count === before)
      stores.push({ id: name, type: "s3", bucket: raw.bucket, prefix, location: locationOf(place) });
  }
  return stores;
}

/**
 * Gives each external artifact its store's bucket and prefix. Returns false when a store_id is unknown (the
 * pipeline is then invalid), reporting it at the artifact's `store_id`.
 */
export function bindArtifactStores(
  pipeline: PipelineConfig,
  stores: readonly ArtifactStoreConfig[],
  sink: IssueSink,
): boolean {
  let ok = true;
  for (const stage of pipeline.stages) {
    for (const job of stage.jobs) {
      for (const artifact of job.externalArtifacts ?? []) {
        const store = stores.find((s) => s.id.toLowerCase() === artifact.storeId.toLowerCase());
        if (store) {
          artifact.bucket = store.bucket;
          artifact.prefix = store.prefix;
          continue;
        }
        ok = false;
        const place = sink.places.get(artifact);
        const hint = didYouMean(
          artifact.storeId,
          stores.map((s) => s.id),
        );
        const known = stores.map((s) => s.id).join(", ");
        const location = place ? locationOf(at(place, "store_id"), "value") : job.location;
        sink.add(location, `unknown artifact store "${artifact.storeId}"${hint} (known: ${known})`);
      }
    }
  }
  return ok;
}
