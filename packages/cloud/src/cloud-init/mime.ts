/**
 * Just enough MIME (RFC 2045/2046) for cloud-init's multi-part user data: headers with folded lines, a
 * `multipart/*` body split on its boundary (nested multiparts flattened), base64 and quoted-printable bodies.
 */

export interface MimePart {
  /** Lower-case media type without parameters (`text/x-shellscript`); `""` when the part names none. */
  readonly contentType: string;
  readonly filename?: string;
  readonly body: Buffer;
}

interface Headers {
  readonly fields: Map<string, string>;
  readonly bodyStart: number;
}

/** True when `data` starts like a MIME message (cloud-init looks at the first header the same way). */
export function looksLikeMime(data: Buffer): boolean {
  const head = data.subarray(0, 64).toString("latin1").toLowerCase();
  return head.startsWith("content-type:") || head.startsWith("mime-version:");
}

function readHeaders(data: Buffer): Headers {
  const fields = new Map<string, string>();
  let offset = 0;
  let last: string | undefined;
  while (offset < data.length) {
    let end = data.indexOf(0x0a, offset);
    if (end === -1) end = data.length;
    const line = data.subarray(offset, end).toString("latin1").replace(/\r$/, "");
    offset = end + 1;
    if (line === "") break;
    if (/^[ \t]/.test(line) && last !== undefined) {
      fields.set(last, `${fields.get(last) ?? ""} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    fields.set(last, line.slice(colon + 1).trim());
  }
  return { fields, bodyStart: Math.min(offset, data.length) };
}

function parameter(value: string, name: string): string | undefined {
  const pattern = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, "i");
  const match = pattern.exec(value);
  return match === null ? undefined : (match[1] ?? match[2]);
}

function decodeQuotedPrintable(text: string): Buffer {
  const joined = text.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(joined.charCodeAt(i) & 0xff);
  }
  return Buffer.from(bytes);
}

function decodeBody(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? "").trim().toLowerCase()) {
    case "base64":
      return Buffer.from(body.toString("latin1").replace(/\s+/g, ""), "base64");
    case "quoted-printable":
      return decodeQuotedPrintable(body.toString("latin1"));
    default:
      return body;
  }
}

/** Splits a multipart body on `--boundary` lines; the preamble and epilogue are dropped. */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const text = body.toString("latin1");
  const delimiter = `--${boundary}`;
  const parts: Buffer[] = [];
  let start: number | undefined;
  let offset = 0;
  while (offset <= text.length) {
    let end = text.indexOf("\n", offset);
    if (end === -1) end = text.length;
    const line = text.slice(offset, end).replace(/\r$/, "").trimEnd();
    if (line === delimiter || line === `${delimiter}--`) {
      if (start !== undefined) {
        // The line break before the delimiter belongs to the delimiter.
        let stop = offset;
        if (stop > start && text[stop - 1] === "\n") stop--;
        if (stop > start && text[stop - 1] === "\r") stop--;
        parts.push(Buffer.from(text.slice(start, stop), "latin1"));
      }
      if (line !== delimiter) return parts;
      start = end + 1;
    }
    offset = end + 1;
  }
  if (start !== undefined && start < text.length) parts.push(Buffer.from(text.slice(start), "latin1"));
  return parts;
}

/**
 * The leaf parts of a MIME message, in order. A message that is not multipart is one part. Throws on a
 * multipart without a boundary.
 */
export function mimeParts(data: Buffer, depth = 0): MimePart[] {
  const { fields, bodyStart } = readHeaders(data);
  const typeField = fields.get("content-type") ?? "";
  const contentType = typeField.split(";")[0]?.trim().toLowerCase() ?? "";
  const body = decodeBody(data.subarray(bodyStart), fields.get("content-transfer-encoding"));
  if (contentType.startsWith("multipart/")) {
    const boundary = parameter(typeField, "boundary");
    if (boundary === undefined) throw new Error("multipart user data has no boundary parameter");
    if (depth > 8) throw new Error("multipart user data is nested too deeply");
    return splitMultipart(body, boundary).flatMap((part) => mimeParts(part, depth + 1));
  }
  const disposition = fields.get("content-disposition") ?? "";
  const filename = parameter(disposition, "filename") ?? parameter(typeField, "name");
  return [{ contentType, body, ...(filename === undefined ? {} : { filename }) }];
}
