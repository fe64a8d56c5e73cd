/**
 * `fawkes s3 sync SRC DST [--delete]`: makes the destination directory or prefix hold the source's files.
 * A file is transferred when it is missing at the destination, its size differs, or the source is newer
 * (compared in whole seconds: S3 keeps LastModified to the second). Downloads take the object's LastModified
 * as their mtime, so a second sync transfers nothing. With --delete, destination files the source lacks are
 * deleted (filters protect excluded ones, as in awscli).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { Command } from "commander";
import type { CliIo } from "../../io.ts";
import { ExitCode } from "../../errors.ts";
import { listSource } from "./cp.ts";
import { deleteLocalFiles, deleteObjects } from "./delete.ts";
import { listLocalFiles, listRemoteFiles, type FileEntry } from "./listing.ts";
import { directoryPrefix, parseTransferEnds, type Location } from "./location.ts";
import { childLocation, makeTransfer, runTransfers, type Transfer } from "./plan.ts";
import { withS3Client } from "./s3-client.ts";
import { s3CliError } from "./s3-errors.ts";
import { filterOf, progressFor, type FilterFlags, type OutputFlags } from "./transfer-options.ts";

export interface SyncFlags extends FilterFlags, OutputFlags {
  delete?: boolean;
  contentType?: string;
}

export async function runSync(
  io: CliIo,
  cmd: Command,
  sourceText: string,
  targetText: string,
  flags: SyncFlags,
): Promise<void> {
  const { source, target } = parseTransferEnds(sourceText, targetText);
  await withS3Client(cmd, io, async (client) => {
    const include = filterOf(flags);
    const [sourceFiles, targetFiles] = await Promise.all([
      listSource(client, source),
      listTarget(client, target),
    ]);
    const transfers: Transfer[] = [];
    for (const entry of sourceFiles.values()) {
      if (!include(entry.relativePath)) continue;
      const existing = targetFiles.get(entry.relativePath);
      if (existing !== undefined && !needsTransfer(entry, existing)) continue;
      const from = childLocation(source, entry.relativePath);
      const to = childLocation(target, entry.relativePath);
      if (from === undefined || to === undefined) {
        io.err(`warning: skipping ${entry.relativePath}: it references a parent directory\n`);
        continue;
      }
      transfers.push(
        makeTransfer(
          from,
          to,
          entry.size,
          flags.contentType === undefined ? {} : { contentType: flags.contentType },
        ),
      );
    }
    const progress = progressFor(io, flags);
    let failures = await runTransfers(client, transfers, progress);
    if (flags.delete) {
      const extra = [...targetFiles.keys()].filter((path) => !sourceFiles.has(path) && include(path));
      failures += await deleteExtra(client, target, extra, { io, quiet: flags.quiet === true });
    }
    if (failures > 0) throw new ExitCode(1);
  });
}

/** Size differs, or the source is newer by at least a whole second. */
export function needsTransfer(source: FileEntry, target: FileEntry): boolean {
  if (source.size !== target.size) return true;
  return Math.floor(source.modifiedMs / 1000) > Math.floor(target.modifiedMs / 1000);
}

async function listTarget(client: S3Client, target: Location): Promise<Map<string, FileEntry>> {
  if (target.type === "local") return listLocalFiles(target.path);
  try {
    return await listRemoteFiles(client, target.bucket, directoryPrefix(target.key));
  } catch (error) {
    throw s3CliError(`cannot list s3://${target.bucket}/${target.key}`, error);
  }
}

async function deleteExtra(
  client: S3Client,
  target: Location,
  relativePaths: string[],
  report: { io: CliIo; quiet: boolean },
): Promise<number> {
  const locations = relativePaths.flatMap((path) => childLocation(target, path) ?? []);
  if (target.type === "s3")
    return deleteObjects(
      client,
      target.bucket,
      locations.map((location) => (location.type === "s3" ? location.key : "")),
      report,
    );
  return deleteLocalFiles(
    locations.map((location) => (location.type === "local" ? location.path : "")),
    report,
  );
}
