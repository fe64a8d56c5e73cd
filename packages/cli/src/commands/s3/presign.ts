/** `fawkes s3 presign s3://BUCKET/KEY [--expires-in SECONDS]`: prints a URL that GETs the object without keys. */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { Command } from "commander";
import { ErrorCode } from "@fawkes/protocol/constants";
import type { CliIo } from "../../io.ts";
import { CliError } from "../../errors.ts";
import { parseS3Location } from "./location.ts";
import { withS3Client } from "./s3-client.ts";

export async function runPresign(
  io: CliIo,
  command: Command,
  text: string,
  flags: { expiresIn: number },
): Promise<void> {
  const location = parseS3Location(text, "presign");
  if (location.key === "")
    throw new CliError("presign needs an object: s3://BUCKET/KEY", { code: ErrorCode.badRequest });
  await withS3Client(command, io, async (client) => {
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
      {
        expiresIn: flags.expiresIn,
      },
    );
    io.out(`${url}\n`);
  });
}
