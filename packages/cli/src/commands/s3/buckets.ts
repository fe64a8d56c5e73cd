/** `fawkes s3 mb s3://BUCKET` and `fawkes s3 rb s3://BUCKET [--force]`. */
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  ListMultipartUploadsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { Command } from "commander";
import { ErrorCode } from "@fawkes/protocol/constants";
import type { CliIo } from "../../io.ts";
import { CliError, ExitCode } from "../../errors.ts";
import { parseS3Location, type S3Location } from "./location.ts";
import { removeRecursive } from "./rm.ts";
import { withS3Client } from "./s3-client.ts";
import { s3CliError } from "./s3-errors.ts";

function bucketOf(text: string, what: string): S3Location {
  const location = parseS3Location(text, what);
  if (location.key !== "")
    throw new CliError(`${what} takes a bucket (s3://BUCKET), not a key`, { code: ErrorCode.badRequest });
  return location;
}

export async function runMb(io: CliIo, command: Command, text: string): Promise<void> {
  const { bucket } = bucketOf(text, "mb");
  await withS3Client(command, io, async (client) => {
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      throw s3CliError(`make_bucket failed: s3://${bucket}`, error);
    }
    io.out(`make_bucket: ${bucket}\n`);
  });
}

export async function runRb(
  io: CliIo,
  command: Command,
  text: string,
  flags: { force?: boolean },
): Promise<void> {
  const location = bucketOf(text, "rb");
  await withS3Client(command, io, async (client) => {
    if (flags.force) {
      const failures = await removeRecursive(client, location, () => true, { io, quiet: false });
      if (failures > 0) throw new ExitCode(1);
      await abortUploads(client, location.bucket);
    }
    try {
      await client.send(new DeleteBucketCommand({ Bucket: location.bucket }));
    } catch (error) {
      const hint =
        (error as { name?: string }).name === "BucketNotEmpty"
          ? "add --force to delete its objects first"
          : undefined;
      const cliError = s3CliError(`remove_bucket failed: s3://${location.bucket}`, error);
      throw hint === undefined
        ? cliError
        : new CliError(cliError.message, { code: cliError.code, hint, cause: error });
    }
    io.out(`remove_bucket: ${location.bucket}\n`);
  });
}

/** Unfinished multipart uploads keep a bucket from being deleted on some services. */
async function abortUploads(client: S3Client, bucket: string): Promise<void> {
  try {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await client.send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        }),
      );
      for (const upload of page.Uploads ?? [])
        await client.send(
          new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }),
        );
      if (page.IsTruncated !== true) return;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  } catch (error) {
    throw s3CliError(`cannot abort the unfinished uploads of s3://${bucket}`, error);
  }
}
