import { LocalStorage } from "./local-storage.ts";
import type { ObjectStorage } from "./object-storage.ts";
import { S3Storage, type S3StorageOptions } from "./s3-storage.ts";

/**
 * The storage backend of the cloud endpoint.
 * - `local`: buckets on local disk under `<dataDir>/buckets/` (the default).
 * - `s3`: objects in an S3-compatible service; each Fawkes bucket `b` is the remote bucket `<bucketPrefix>b`.
 */
export type StorageOptions = { kind: "local" } | ({ kind: "s3" } & S3StorageOptions);

export function createStorage(dataDir: string, options: StorageOptions): ObjectStorage {
  if (options.kind === "s3") return new S3Storage(dataDir, options);
  return new LocalStorage(dataDir);
}
