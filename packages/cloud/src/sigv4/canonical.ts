// SigV4 canonicalisation from the request exactly as it came off the wire. The path is never
// normalised and never re-encoded for S3 (botocore and the SDK sign it verbatim), query parameters are
// decoded then re-encoded per RFC 3986, and headers come from rawHeaders so repeats join with ",".

/** One query parameter, decoded; `+` is a literal plus, as SigV4 clients encode a space as %20. */
export interface QueryParam {
  name: string;
  value: string;
}

/** Splits a raw request target into its raw path and decoded query parameters. */
export function splitTarget(rawUrl: string): { rawPath: string; query: QueryParam[] } {
  const q = rawUrl.indexOf("?");
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query: QueryParam[] = [];
  if (q >= 0) {
    for (const part of rawUrl.slice(q + 1).split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const name = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? "" : part.slice(eq + 1);
      query.push({ name: decodeComponent(name), value: decodeComponent(value) });
    }
  }
  return { rawPath, query };
}

/** decodeURIComponent that throws a tagged error on malformed escapes (mapped to InvalidURI). */
export function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new MalformedUriError(raw);
  }
}

export class MalformedUriError extends Error {
  constructor(raw: string) {
    super(`malformed percent-encoding in ${JSON.stringify(raw.slice(0, 100))}`);
    this.name = "MalformedUriError";
  }
}

/** RFC 3986 encoding: everything but A-Z a-z 0-9 - _ . ~ is percent-encoded (UTF-8). */
export function uriEncode(value: string, keepSlash = false): string {
  const encoded = encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
  );
  return keepSlash ? encoded.replace(/%2F/g, "/") : encoded;
}

export function canonicalQuery(query: readonly QueryParam[], omit?: string): string {
  return query
    .filter((p) => p.name !== omit)
    .map((p) => [uriEncode(p.name), uriEncode(p.value)] as const)
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([n, v]) => `${n}=${v}`)
    .join("&");
}

/** Lower-cased header name → values in wire order, from Node's rawHeaders. */
export function headerValues(rawHeaders: readonly string[]): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const list = result.get(name);
    if (list) list.push(rawHeaders[i + 1]!);
    else result.set(name, [rawHeaders[i + 1]!]);
  }
  return result;
}

export function canonicalHeaders(headers: Map<string, string[]>, signedHeaders: readonly string[]): string {
  return signedHeaders
    .map((name) => {
      const values = (headers.get(name) ?? []).map((v) => v.trim().replace(/\s+/g, " "));
      return `${name}:${values.join(",")}\n`;
    })
    .join("");
}

/** For non-S3 services: dot segments removed and every segment encoded again (double encoding). */
export function normalisedUri(rawPath: string): string {
  const out: string[] = [];
  for (const segment of rawPath.split("/").slice(1)) {
    if (segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(uriEncode(decodeComponent(segment)));
  }
  return "/" + out.join("/");
}

export interface CanonicalRequestParts {
  method: string;
  canonicalUri: string;
  canonicalQuery: string;
  canonicalHeaders: string;
  signedHeaders: string;
  payloadHash: string;
}

export function canonicalRequest(p: CanonicalRequestParts): string {
  return [
    p.method,
    p.canonicalUri,
    p.canonicalQuery,
    p.canonicalHeaders,
    p.signedHeaders,
    p.payloadHash,
  ].join("\n");
}
