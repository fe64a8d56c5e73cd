/**
 * `fawkes s3 cp SRC DST [--recursive]`: local → S3 (upload), S3 → local (download), S3 → S3 (server-side copy).
 * Like awscli, a destination ending with `/` (or an existing local directory) receives the source's base name.
 */
import { stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Command } from "commander";
import { ErrorCode } from "@fawkes/protocol/constants";
import { CliError, ExitCode } from "../../errors.ts";
import type { CliIo } from "../../io.ts";
import type { PathPredicate } from "./filters.ts";
import { listLocalFiles, listRemoteFiles, type FileEntry } from "./listing.ts";
import { baseName, directoryPrefix, parseTransferEnds, type Location } from "./location.ts";
import { childLocation, labelOf, makeTransfer, runTransfers, type Transfer } from "./plan.ts";
import { withS3Client } from "./s3-client.ts";
import { s3CliError } from "./s3-errors.ts";
import { filterOf, progressFor, type FilterFlags, type OutputFlags } from "./transfer-options.ts";

export interface CpFlags extends FilterFlags, OutputFlags {
  recursive?: boolean;
  contentType?: string;
}

export async function runCp(
  io: CliIo,
  cmd: Command,
  sourceText: string,
  targetText: string,
  flags: CpFlags,
): Promise<void> {
  const { source, target } = parseTransferEnds(sourceText, targetText);
  await withS3Client(cmd, io, async (client) => {
    const include = filterOf(flags);
    const options = flags.contentType === undefined ? {} : { contentType: flags.contentType };
    const transfers = flags.recursive
      ? await planRecursive(client, source, target, include, options, io)
      : await planSingle(client, source, target, include, options);
    const failures = await runTransfers(client, transfers, progressFor(io, flags));
    if (failures > 0) throw new ExitCode(1);
  });
}

async function planSingle(
  client: S3Client,
  source: Location,
  target: Location,
  include: PathPredicate,
  options: { contentType?: string },
): Promise<Transfer[]> {
  const name = source.type === "local" ? basename(source.path) : baseName(source.key);
  let size: number;
  if (source.type === "local") {
    const info = await stat(source.path).catch((cause: unknown) => {
      throw new CliError(`the user-provided path ${source.path} does not exist`, {
        code: ErrorCode.notFound,
        cause,
      });
    });
    if (info.isDirectory())
      throw new CliError(`${source.path} is a directory`, {
        code: ErrorCode.badRequest,
        hint: "add --recursive to copy a directory",
      });
    size = info.size;
  } else {
    if (source.key === "" || source.key.endsWith("/"))
      throw new CliError(`${labelOf(source)} names no object`, {
        code: ErrorCode.badRequest,
        hint: "add --recursive to copy everything below a prefix",
      });
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: source.bucket, Key: source.key }));
      size = head.ContentLength ?? 0;
    } catch (error) {
      throw s3CliError(`cannot read ${labelOf(source)}`, error);
    }
  }
  if (!include(name)) return [];
  return [makeTransfer(source, await targetFor(target, name), size, options)];
}

/** Where a single file lands: `dir/` or an existing directory receive `name`. */
async function targetFor(target: Location, name: string): Promise<Location> {
  if (target.type === "s3")
    return target.key === "" || target.key.endsWith("/") ? { ...target, key: target.key + name } : target;
  if (target.path.endsWith("/")) return { type: "local", path: target.path + name };
  const info = await stat(target.path).catch(() => undefined);
  return info?.isDirectory() === true ? { type: "local", path: join(target.path, name) } : target;
}

/** Every file below the source, filtered, mapped below the target. Shared with `sync`. */
export async function listSource(client: S3Client, source: Location): Promise<Map<string, FileEntry>> {
  if (source.type === "local") {
    const info = await stat(source.path).catch(() => undefined);
    if (info === undefined)
      throw new CliError(`the user-provided path ${source.path} does not exist`, {
        code: ErrorCode.notFound,
      });
    if (!info.isDirectory())
      throw new CliError(`${source.path} is not a directory`, {
        code: ErrorCode.badRequest,
        hint: "drop --recursive to copy a single file",
      });
    return listLocalFiles(source.path);
  }
  try {
    return await listRemoteFiles(client, source.bucket, directoryPrefix(source.key));
  } catch (error) {
    throw s3CliError(`cannot list ${labelOf(source)}`, error);
  }
}

async function planRecursive(
  client: S3Client,
  source: Location,
  target: Location,
  include: PathPredicate,
  options: { contentType?: string },
  io: CliIo,
): Promise<Transfer[]> {
  const transfers: Transfer[] = [];
  for (const entry of (await listSource(client, source)).values()) {
    if (!include(entry.relativePath)) continue;
    const from = childLocation(source, entry.relativePath);
    const to = childLocation(target, entry.relativePath);
    if (from === undefined || to === undefined) {
      io.err(`warning: skipping ${entry.relativePath}: it references a parent directory\n`);
      continue;
    }
    transfers.push(makeTransfer(from, to, entry.size, options));
  }
  return transfers;
}
