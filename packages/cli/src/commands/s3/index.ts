/**
 * `fawkes s3 …`: awscli's `aws s3` commands (cp, sync, ls, rm, mb, rb, presign) on the AWS SDK, for hosts without
 * awscli. Only the command definitions live here: each action imports its implementation (and the AWS SDK,
 * ~30 MB) when it runs, so other `fawkes` commands, the server above all, never load it.
 * The connection options are accepted before or after the subcommand; cloud-connection.ts has their precedence.
 */
import { InvalidArgumentError, type Command } from "commander";
import { addConnectionOptions } from "../../cloud-options.ts";
import type { CliContext } from "../../context.ts";
import { addFilterOptions, addOutputOptions } from "./transfer-options.ts";

/** SigV4 presigned URLs live at most 7 days. */
export const MAX_EXPIRES_IN = 604_800;

function expiresIn(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > MAX_EXPIRES_IN)
    throw new InvalidArgumentError(`expected seconds between 1 and ${MAX_EXPIRES_IN} (7 days)`);
  return Number(value);
}

const CONTENT_TYPE_HELP = "Content-Type of uploaded objects (default: guessed from the extension)";
const EITHER_WAY = "local path or s3://BUCKET/KEY";

export function registerS3Command(program: Command, { io }: CliContext): void {
  const s3 = addConnectionOptions(
    program
      .command("s3")
      .description("copy, list, sync and delete objects in the cloud endpoint's buckets (or any S3 service)"),
    "s3",
    false,
  );

  const cp = s3
    .command("cp")
    .description("copy a file or object (or, with --recursive, a directory or prefix) to or from S3")
    .argument("<source>", EITHER_WAY)
    .argument("<destination>", EITHER_WAY)
    .option("--recursive", "copy every file below the source directory or prefix")
    .option("--content-type <type>", CONTENT_TYPE_HELP);
  addOutputOptions(addFilterOptions(cp)).action(
    async (source: string, target: string, flags, command: Command) =>
      (await import("./cp.ts")).runCp(io, command, source, target, flags),
  );

  const sync = s3
    .command("sync")
    .description("copy new and changed files from a directory or prefix to another (size or newer mtime)")
    .argument("<source>", "local directory or s3://BUCKET[/PREFIX]")
    .argument("<destination>", "local directory or s3://BUCKET[/PREFIX]")
    .option("--delete", "delete destination files that are not in the source (excluded ones are kept)")
    .option("--content-type <type>", CONTENT_TYPE_HELP);
  addOutputOptions(addFilterOptions(sync)).action(
    async (source: string, target: string, flags, command: Command) =>
      (await import("./sync.ts")).runSync(io, command, source, target, flags),
  );

  s3.command("ls")
    .description("list buckets, or the objects and prefixes below s3://BUCKET[/PREFIX]")
    .argument("[location]", "s3://BUCKET[/PREFIX]; none lists the buckets")
    .option("--recursive", "list every object below the prefix (full keys, no PRE lines)")
    .option("--human-readable", "sizes as KiB, MiB, GiB")
    .option("--summarize", "print the total number of objects and their size")
    .option("--json", "print JSON: {buckets:[…]} or {prefixes:[…], objects:[…], totalObjects, totalSize}")
    .action(async (location: string | undefined, flags, command: Command) =>
      (await import("./ls.ts")).runLs(io, command, location, flags),
    );

  const rm = s3
    .command("rm")
    .description("delete an object, or with --recursive every object below a prefix")
    .argument("<location>", "s3://BUCKET/KEY, or s3://BUCKET[/PREFIX] with --recursive")
    .option("--recursive", "delete every object below the prefix (the whole bucket for s3://BUCKET)")
    .option("--quiet", "print nothing but errors");
  addFilterOptions(rm).action(async (location: string, flags, command: Command) =>
    (await import("./rm.ts")).runRm(io, command, location, flags),
  );

  s3.command("mb")
    .description("make a bucket")
    .argument("<bucket>", "s3://BUCKET")
    .action(async (bucket: string, _flags, command: Command) =>
      (await import("./buckets.ts")).runMb(io, command, bucket),
    );

  s3.command("rb")
    .description("remove a bucket (it must be empty unless --force)")
    .argument("<bucket>", "s3://BUCKET")
    .option("--force", "delete every object (and abort unfinished multipart uploads) first")
    .action(async (bucket: string, flags, command: Command) =>
      (await import("./buckets.ts")).runRb(io, command, bucket, flags),
    );

  s3.command("presign")
    .description("print a presigned URL that downloads an object without credentials until it expires")
    .argument("<location>", "s3://BUCKET/KEY")
    .option(
      "--expires-in <seconds>",
      `how long the URL works, in seconds (max ${MAX_EXPIRES_IN})`,
      expiresIn,
      3600,
    )
    .action(async (location: string, flags, command: Command) =>
      (await import("./presign.ts")).runPresign(io, command, location, flags),
    );
}
