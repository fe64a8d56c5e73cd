/**
 * `fawkes s3 ls [s3://BUCKET[/PREFIX]] [--recursive] [--human-readable] [--summarize] [--json]`: buckets, or the
 * objects and `PRE dir/` common prefixes below a prefix, in awscli's columns.
 */
import { ListBucketsCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { Command } from "commander";
import { ExitCode } from "../../errors.ts";
import type { CliIo } from "../../io.ts";
import { printJson } from "../../output.ts";
import { humanReadableSize, localDateTime } from "./format.ts";
import { parseS3Location, s3Uri, type S3Location } from "./location.ts";
import { withS3Client } from "./s3-client.ts";
import { s3CliError } from "./s3-errors.ts";

export interface LsFlags {
  recursive?: boolean;
  humanReadable?: boolean;
  summarize?: boolean;
  json?: boolean;
}

export async function runLs(
  io: CliIo,
  command: Command,
  locationText: string | undefined,
  flags: LsFlags,
): Promise<void> {
  await withS3Client(command, io, (client) =>
    locationText === undefined || locationText === "s3://"
      ? listBuckets(client, io, flags)
      : listPrefix(client, io, parseS3Location(locationText, "ls"), flags),
  );
}

async function listBuckets(client: S3Client, io: CliIo, flags: LsFlags): Promise<void> {
  let buckets;
  try {
    buckets = (await client.send(new ListBucketsCommand({}))).Buckets ?? [];
  } catch (error) {
    throw s3CliError("cannot list buckets", error);
  }
  if (flags.json) {
    printJson(io, {
      buckets: buckets.map((b) => ({ name: b.Name, creationDate: b.CreationDate?.toISOString() ?? null })),
    });
    return;
  }
  for (const bucket of buckets) io.out(`${localDateTime(bucket.CreationDate)} ${bucket.Name}\n`);
}

interface ListedObject {
  key: string;
  size: number;
  lastModified: string | null;
  etag: string | null;
}

async function listPrefix(client: S3Client, io: CliIo, location: S3Location, flags: LsFlags): Promise<void> {
  const prefixes: string[] = [];
  const objects: ListedObject[] = [];
  let totalSize = 0;
  const sizeText = (size: number) =>
    (flags.humanReadable ? humanReadableSize(size) : String(size)).padStart(10, " ");
  let continuationToken: string | undefined;
  do {
    let page;
    try {
      page = await client.send(
        new ListObjectsV2Command({
          Bucket: location.bucket,
          ...(location.key === "" ? {} : { Prefix: location.key }),
          ...(flags.recursive ? {} : { Delimiter: "/" }),
          ...(continuationToken === undefined ? {} : { ContinuationToken: continuationToken }),
        }),
      );
    } catch (error) {
      throw s3CliError(`cannot list ${s3Uri(location.bucket, location.key)}`, error);
    }
    for (const common of page.CommonPrefixes ?? []) {
      const prefix = common.Prefix ?? "";
      prefixes.push(prefix);
      // awscli prints the last segment only: `PRE dir/`.
      const segments = prefix.split("/");
      if (!flags.json) io.out(`${"PRE".padStart(30, " ")} ${segments[segments.length - 2] ?? prefix}/\n`);
    }
    for (const object of page.Contents ?? []) {
      const key = object.Key ?? "";
      const size = object.Size ?? 0;
      totalSize += size;
      objects.push({
        key,
        size,
        lastModified: object.LastModified?.toISOString() ?? null,
        etag: object.ETag ?? null,
      });
      const name = flags.recursive ? key : key.slice(key.lastIndexOf("/") + 1);
      if (!flags.json) io.out(`${localDateTime(object.LastModified)} ${sizeText(size)} ${name}\n`);
    }
    continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (continuationToken !== undefined);

  if (flags.json) printJson(io, { prefixes, objects, totalObjects: objects.length, totalSize });
  else if (flags.summarize) {
    io.out(`\n${"Total Objects: ".padStart(15, " ")}${objects.length}\n`);
    io.out(
      `${"Total Size: ".padStart(15, " ")}${flags.humanReadable ? humanReadableSize(totalSize) : totalSize}\n`,
    );
  }
  // awscli exits 1 when a prefix (not a whole bucket) matches nothing.
  if (location.key !== "" && objects.length === 0 && prefixes.length === 0 && !flags.summarize && !flags.json)
    throw new ExitCode(1);
}
