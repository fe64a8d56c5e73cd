/**
 * Wait condition handles' presigned URLs on the cloud endpoint. A `PUT` of one (cfn-signal's, or curl's
 * `-X PUT --data-binary '{"Status":…}'`) is unsigned: the URL's own signature is the credential, checked by the
 * server that issued it. AWS's handles are presigned S3 URLs; these live under a path no bucket can have.
 */
import type { IncomingMessage } from "node:http";
import { AwsError } from "../aws-error.ts";

export const WAIT_CONDITION_PATH = "/_fawkes/wait-condition/";

/** A signal body is a small JSON document; cfn-signal's Data is at most 4 KiB. */
const MAX_SIGNAL_BYTES = 64 * 1024;

export interface WaitConditionReceiver {
  /** Stores the signal; throws AwsError (403 for a URL it did not issue, 400 for a bad body). */
  receive(request: {
    rawPath: string;
    query: readonly { name: string; value: string }[];
    body: string;
  }): Promise<void>;
}

export async function readSignalBody(req: IncomingMessage): Promise<string> {
  if (req.method !== "PUT")
    throw new AwsError("MethodNotAllowed", 405, "A wait condition handle takes PUT requests only");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_SIGNAL_BYTES) throw new AwsError("EntityTooLarge", 400, "The signal body is too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
