import { LocalStorage } from "./local-storage.ts";
import type { ObjectStorage } from "./object-storage.ts";
import type { S3StorageOptions } from "./s3-storage.ts";

/**
 * The storage backend of the cloud endpoint.
 * - `local`: buckets on local disk under `<dataDir>/buckets/` (the default).
 * - `s3`: objects in an S3-compatible service; each Fawkes bucket `b` is the remote bucket `<bucketPrefix>b`.
 */
export type StorageOptions = { kind: "local" } | ({ kind: "s3" } & S3StorageOptions);

export async function createStorage(dataDir: string, options: StorageOptions): Promise<ObjectStorage> {
  // The AWS SDK is loaded only for the S3 backend: it would cost every local-disk server ~10 MB.
  if (options.kind === "s3") return new (await import("./s3-storage.ts")).S3Storage(dataDir, options);
  return new LocalStorage(dataDir);
}
