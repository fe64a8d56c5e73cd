/**
 * A transfer set: the files `cp`/`sync` decided to move, each as a Transfer that knows its direction, and the
 * runner that moves them a few at a time while TransferProgress reports.
 */
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { ErrorCode } from "@fawkes/protocol/constants";
import { CliError } from "../../errors.ts";
import { directoryPrefix, s3Uri, type Location } from "./location.ts";
import type { TransferProgress } from "./progress.ts";
import { describeS3Error } from "./s3-errors.ts";
import { copyObject, downloadObject, uploadFile, type OnBytes } from "./transfer.ts";

export interface Transfer {
  kind: "upload" | "download" | "copy";
  /** As printed: a local path or `s3://bucket/key`. */
  from: string;
  to: string;
  size: number;
  run(client: S3Client, onBytes: OnBytes): Promise<void>;
}

/** Files transferred at once; each upload also keeps up to 4 parts in flight. */
export const FILES_IN_FLIGHT = 4;

export function labelOf(location: Location): string {
  return location.type === "local" ? location.path : s3Uri(location.bucket, location.key);
}

/**
 * The file at `relativePath` below a directory location, or undefined when that path would leave it (a key
 * such as `../x` must never be written outside the target directory).
 */
export function childLocation(parent: Location, relativePath: string): Location | undefined {
  if (parent.type === "s3")
    return { type: "s3", bucket: parent.bucket, key: directoryPrefix(parent.key) + relativePath };
  const segments = relativePath.split("/");
  if (relativePath.startsWith("/") || segments.includes("..")) return undefined;
  const base = parent.path === "/" ? "" : parent.path.replace(/\/+$/, "");
  return { type: "local", path: `${base}/${segments.filter((s) => s !== "" && s !== ".").join("/")}` };
}

export function makeTransfer(
  source: Location,
  target: Location,
  size: number,
  options: { contentType?: string } = {},
): Transfer {
  const from = labelOf(source);
  const to = labelOf(target);
  if (source.type === "local" && target.type === "s3")
    return {
      kind: "upload",
      from,
      to,
      size,
      run: (client, onBytes) =>
        uploadFile(
          client,
          { file: source.path, bucket: target.bucket, key: target.key, contentType: options.contentType },
          onBytes,
        ),
    };
  if (source.type === "s3" && target.type === "local")
    return {
      kind: "download",
      from,
      to,
      size,
      run: (client, onBytes) =>
        downloadObject(client, { bucket: source.bucket, key: source.key, file: join(target.path) }, onBytes),
    };
  if (source.type === "s3" && target.type === "s3")
    return {
      kind: "copy",
      from,
      to,
      size,
      run: async (client, onBytes) => {
        await copyObject(client, {
          sourceBucket: source.bucket,
          sourceKey: source.key,
          bucket: target.bucket,
          key: target.key,
          contentType: options.contentType,
        });
        onBytes(size);
      },
    };
  throw new CliError("both paths are local: one of them must be an S3 location (s3://BUCKET/…)", {
    code: ErrorCode.badRequest,
  });
}

/** Moves every transfer, FILES_IN_FLIGHT at a time; resolves to the number that failed (each reported). */
export async function runTransfers(
  client: S3Client,
  transfers: readonly Transfer[],
  progress: TransferProgress,
): Promise<number> {
  for (const transfer of transfers) progress.add(transfer.size);
  let next = 0;
  let failures = 0;
  const worker = async (): Promise<void> => {
    while (next < transfers.length) {
      const transfer = transfers[next++] as Transfer;
      let sent = 0;
      try {
        await transfer.run(client, (count) => {
          sent += count;
          progress.bytes(count);
        });
        progress.fileDone(`${transfer.kind}: ${transfer.from} to ${transfer.to}`);
      } catch (error) {
        failures += 1;
        progress.fileFailed(
          `${transfer.kind} failed: ${transfer.from} to ${transfer.to}: ${describeS3Error(error)}`,
          Math.max(0, transfer.size - sent),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(FILES_IN_FLIGHT, transfers.length) }, worker));
  progress.finish();
  return failures;
}
