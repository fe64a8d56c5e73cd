/**
 * Serves Query-protocol requests: `POST /` with a form body (or `GET /?Action=…`), signed with SigV4 for the
 * service named in the credential scope, or unsigned for an action its service serves unsigned. The answer is
 * `<ActionResponse xmlns=…><ActionResult>…</ActionResult><ResponseMetadata>…</ResponseMetadata></ActionResponse>`.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsError } from "../aws-error.ts";
import type { CredentialStore } from "../credentials.ts";
import { decideForKey } from "../iam/index.ts";
import { authenticate, header, type SignatureClaim, type SignedRequest } from "../sigv4/authenticate.ts";
import { escapeXml } from "../s3/xml.ts";
import { QueryParams } from "./params.ts";
import type { QueryCaller, QueryService } from "./service.ts";

/** CloudFormation's TemplateBody may be 51,200 bytes URL-encoded; nothing legitimate comes near this. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface QueryConfig {
  services: ReadonlyMap<string, QueryService>;
  credentials: CredentialStore;
  region: string;
  now: () => number;
}

/** Whether an unsigned request is a Query request (an anonymous S3 request never is `POST /` with a form). */
export function isUnsignedQuery(request: SignedRequest): boolean {
  const type = header(request.headers, "content-type") ?? "";
  return (
    request.rawPath === "/" &&
    ((request.method === "POST" && type.startsWith("application/x-www-form-urlencoded")) ||
      (request.method === "GET" && request.query.some((p) => p.name === "Action")))
  );
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new AwsError("RequestEntityTooLarge", 413, "Request body too large");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new AwsError("RequestEntityTooLarge", 413, "Request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function handleQuery(
  req: IncomingMessage,
  res: ServerResponse,
  request: SignedRequest,
  claim: SignatureClaim | undefined,
  config: QueryConfig,
  requestId: string,
): Promise<void> {
  const body = request.method === "POST" ? await readBody(req) : Buffer.alloc(0);
  const params =
    request.method === "POST"
      ? QueryParams.fromForm(body.toString("utf8"))
      : new QueryParams(new Map(request.query.map((p) => [p.name, p.value])));
  const action = params.get("Action");
  if (action === undefined || action === "")
    throw new AwsError("MissingAction", 400, "Missing Action parameter");
  const sourceIp = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");

  let service: QueryService | undefined;
  let caller: QueryCaller | undefined;
  if (claim === undefined) {
    service = [...config.services.values()].find((s) => s.unsignedActions?.has(action));
    if (service === undefined)
      throw new AwsError("MissingAuthenticationToken", 403, "Request is missing Authentication Token");
  } else {
    service = config.services.get(claim.service);
    if (service === undefined)
      throw new AwsError(
        "NotImplemented",
        501,
        `The service '${claim.service}' is not implemented by this endpoint yet.`,
      );
    const auth = await authenticate(request, claim, config.credentials, {
      region: config.region,
      now: config.now(),
      bodyHash: createHash("sha256").update(body).digest("hex"),
    });
    const key = auth.accessKey;
    const decide: QueryCaller["decide"] = (operation, resource, options = {}) =>
      decideForKey(key, {
        action: operation,
        resource,
        context: { "aws:SourceIp": sourceIp, "aws:SecureTransport": false, ...options.context },
        ...(options.resourcePolicy ? { resourcePolicy: options.resourcePolicy } : {}),
        now: new Date(config.now()),
      });
    caller = {
      accessKey: key,
      sourceIp,
      decide,
      authorize(operation, resource, options) {
        if (decide(operation, resource, options).decision !== "Allow")
          throw new AwsError(
            "AccessDenied",
            403,
            `User: ${key.principalArn} is not authorized to perform: ${operation} on resource: ${resource}`,
          );
      },
    };
  }
  const result = await service.handle({ action, params, caller, requestId, sourceIp });
  // EC2's dialect of the protocol: no Result element, the request id first, lower-camel names.
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${service.xmlns}">` +
    (service.style === "ec2"
      ? `<requestId>${escapeXml(requestId)}</requestId>${result ?? ""}`
      : (result === undefined ? "" : `<${action}Result>${result}</${action}Result>`) +
        `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>`) +
    `</${action}Response>`;
  const payload = Buffer.from(xml, "utf8");
  res.writeHead(200, {
    "content-type": "text/xml",
    "content-length": payload.length,
    "x-amzn-requestid": requestId,
  });
  res.end(payload);
}

/** `Unknown action` in the Query protocol's own terms. */
export function invalidAction(service: string, action: string): AwsError {
  return new AwsError("InvalidAction", 400, `Could not find operation ${action} for ${service}`);
}
