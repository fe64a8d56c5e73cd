/** Deleting objects in batches of 1000 (DeleteObjects) and local files, each reported as `delete: …`. */
import { rm } from "node:fs/promises";
import { DeleteObjectsCommand, type S3Client } from "@aws-sdk/client-s3";
import type { CliIo } from "../../io.ts";
import { s3Uri } from "./location.ts";
import { describeS3Error } from "./s3-errors.ts";

const BATCH = 1000;

export interface DeleteReport {
  io: CliIo;
  quiet: boolean;
}

/** Resolves to the number of keys that could not be deleted (each reported on stderr). */
export async function deleteObjects(
  client: S3Client,
  bucket: string,
  keys: readonly string[],
  report: DeleteReport,
): Promise<number> {
  let failures = 0;
  for (let start = 0; start < keys.length; start += BATCH) {
    const batch = keys.slice(start, start + BATCH);
    let failed = new Map<string, string>();
    try {
      const response = await client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      failed = new Map((response.Errors ?? []).map((e) => [e.Key ?? "", `${e.Code}: ${e.Message}`]));
    } catch (error) {
      const message = describeS3Error(error);
      failed = new Map(batch.map((key) => [key, message]));
    }
    for (const key of batch) {
      const problem = failed.get(key);
      if (problem !== undefined) {
        failures += 1;
        report.io.err(`delete failed: ${s3Uri(bucket, key)}: ${problem}\n`);
      } else if (!report.quiet) report.io.out(`delete: ${s3Uri(bucket, key)}\n`);
    }
  }
  return failures;
}

export async function deleteLocalFiles(paths: readonly string[], report: DeleteReport): Promise<number> {
  let failures = 0;
  for (const path of paths) {
    try {
      await rm(path);
      if (!report.quiet) report.io.out(`delete: ${path}\n`);
    } catch (error) {
      failures += 1;
      report.io.err(`delete failed: ${path}: ${(error as Error).message}\n`);
    }
  }
  return failures;
}
