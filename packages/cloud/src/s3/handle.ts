import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsError } from "../aws-error.ts";
import type { CredentialStore } from "../credentials.ts";
import { authenticate, header, type SignatureClaim, type SignedRequest } from "../sigv4/authenticate.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";
import { s3Address } from "./address.ts";
import type { Authorize, S3Context } from "./context.ts";
import type { BucketPolicies } from "./policy/bucket-policy.ts";
import { route } from "./router.ts";

export interface S3Config {
  storage: ObjectStorage;
  credentials: CredentialStore;
  region: string;
  host: string;
  authorize: Authorize;
  bucketPolicies: BucketPolicies;
  now: () => number;
  expectContinue: boolean;
}

/** Operations whose authorisation the handler does itself (per key). */
const SELF_AUTHORIZED = new Set(["DeleteObjects"]);

/** Authenticates, routes and authorises one S3 request, then runs its handler. Throws AwsError. */
export async function handleS3(
  req: IncomingMessage,
  res: ServerResponse,
  request: SignedRequest,
  claim: SignatureClaim | undefined,
  config: S3Config,
): Promise<void> {
  const { bucket, key } = s3Address(request.rawPath, header(request.headers, "host"), config.host);
  if (claim === undefined) throw new AwsError("AccessDenied", 403, "Access Denied");
  const auth = await authenticate(request, claim, config.credentials, {
    region: config.region,
    now: config.now(),
  });
  const queryRecord = Object.fromEntries(request.query.map((p) => [p.name, p.value]));
  const authorize = async (operation: string, b?: string, k?: string) => {
    const bucketPolicy = b === undefined ? undefined : await config.bucketPolicies.of(b);
    const allowed = await config.authorize({
      ...(bucketPolicy ? { bucketPolicy } : {}),
      accessKey: auth.accessKey,
      operation,
      ...(b === undefined ? {} : { bucket: b }),
      ...(k === undefined ? {} : { key: k }),
      sourceIp: req.socket.remoteAddress ?? "",
      secureTransport: false,
      query: queryRecord,
    });
    if (!allowed) throw new AwsError("AccessDenied", 403, "Access Denied");
  };
  const ctx: S3Context = {
    req,
    res,
    method: request.method,
    headers: request.headers,
    query: request.query,
    bucket,
    key,
    auth,
    storage: config.storage,
    region: config.region,
    authorize,
  };
  const { operation, handle } = route(ctx);
  if (!SELF_AUTHORIZED.has(operation)) await authorize(operation, bucket, key);
  // Authenticated and authorised: now let an `Expect: 100-continue` client send its body.
  if (config.expectContinue) res.writeContinue();
  await handle();
}
