/** `fawkes s3 rm s3://BUCKET/KEY [--recursive] [--exclude G]... [--include G]...`: deletes objects. */
import { DeleteObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Command } from "commander";
import { ErrorCode } from "@fawkes/protocol/constants";
import { CliError, ExitCode } from "../../errors.ts";
import type { CliIo } from "../../io.ts";
import { deleteObjects } from "./delete.ts";
import type { PathPredicate } from "./filters.ts";
import { listObjects } from "./listing.ts";
import { baseName, directoryPrefix, parseS3Location, s3Uri, type S3Location } from "./location.ts";
import { withS3Client } from "./s3-client.ts";
import { s3CliError } from "./s3-errors.ts";
import { filterOf, type FilterFlags } from "./transfer-options.ts";

export interface RmFlags extends FilterFlags {
  recursive?: boolean;
  quiet?: boolean;
}

export async function runRm(io: CliIo, cmd: Command, locationText: string, flags: RmFlags): Promise<void> {
  const location = parseS3Location(locationText, "rm");
  await withS3Client(cmd, io, async (client) => {
    const report = { io, quiet: flags.quiet === true };
    if (flags.recursive) {
      const failures = await removeRecursive(client, location, filterOf(flags), report);
      if (failures > 0) throw new ExitCode(1);
      return;
    }
    if (location.key === "" || location.key.endsWith("/"))
      throw new CliError(`${s3Uri(location.bucket, location.key)} names no object`, {
        code: ErrorCode.badRequest,
        hint: "add --recursive to delete everything below a prefix",
      });
    if (!filterOf(flags)(baseName(location.key))) return;
    try {
      await client.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: location.key }));
    } catch (error) {
      throw s3CliError(`delete failed: ${s3Uri(location.bucket, location.key)}`, error);
    }
    if (!report.quiet) io.out(`delete: ${s3Uri(location.bucket, location.key)}\n`);
  });
}

/** Deletes every object below the location's directory prefix that `include` keeps; resolves to the failures. */
export async function removeRecursive(
  client: S3Client,
  location: S3Location,
  include: PathPredicate,
  report: { io: CliIo; quiet: boolean },
): Promise<number> {
  const prefix = directoryPrefix(location.key);
  const keys: string[] = [];
  try {
    for await (const object of listObjects(client, location.bucket, prefix)) {
      const key = object.Key ?? "";
      if (include(key.slice(prefix.length))) keys.push(key);
    }
  } catch (error) {
    throw s3CliError(`cannot list ${s3Uri(location.bucket, prefix)}`, error);
  }
  return deleteObjects(client, location.bucket, keys, report);
}
