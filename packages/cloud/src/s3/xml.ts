import { s3Errors } from "../aws-error.ts";

export const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

// Control characters cannot appear literally in XML 1.0; S3 sends them as character references.
// eslint-disable-next-line no-control-regex
const ESCAPED = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

export function escapeXml(value: string): string {
  return value.replace(ESCAPED, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      case "'":
        return "&apos;";
      default:
        return `&#x${c.charCodeAt(0).toString(16)};`;
    }
  });
}

/** `<name>escaped</name>`, or nothing when the value is undefined. */
export function text(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? "" : `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name>…</name>` around already-rendered children. */
export function el(name: string, ...children: string[]): string {
  return `<${name}>${children.join("")}</${name}>`;
}

/** A complete S3 response document with the S3 namespace on the root element. */
export function s3Document(root: string, ...children: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_NAMESPACE}">${children.join("")}</${root}>`;
}

export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

/** Child element by local name (namespace prefixes ignored). */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

export function children(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(raw: string): string {
  return raw.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    const known = ENTITIES[entity];
    if (known === undefined) throw s3Errors.malformedXml();
    return known;
  });
}

/**
 * A small, strict XML reader for the request bodies S3 accepts (CompleteMultipartUpload, Delete,
 * CreateBucketConfiguration). No DTDs or external entities are ever resolved. Throws MalformedXML.
 */
export function parseXml(source: string): XmlElement {
  let pos = 0;
  const fail = (): never => {
    throw s3Errors.malformedXml();
  };
  const after = (token: string): number => {
    const at = source.indexOf(token, pos);
    if (at < 0) fail();
    return at + token.length;
  };
  const skipMisc = () => {
    for (;;) {
      while (pos < source.length && /\s/.test(source[pos]!)) pos++;
      if (source.startsWith("<?", pos)) pos = after("?>");
      else if (source.startsWith("<!--", pos)) pos = after("-->");
      else if (source.startsWith("<!", pos)) fail();
      else return;
    }
  };
  const localName = (qualified: string) => qualified.slice(qualified.indexOf(":") + 1);
  const parseElement = (): XmlElement => {
    if (source[pos] !== "<") fail();
    const match = /^<([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(
      source.slice(pos, pos + 4096),
    );
    if (!match) return fail();
    pos += match[0].length;
    const element: XmlElement = { name: localName(match[1]!), children: [], text: "" };
    if (match[3] === "/") return element;
    for (;;) {
      const next = source.indexOf("<", pos);
      if (next < 0) fail();
      element.text += decodeEntities(source.slice(pos, next));
      pos = next;
      if (source.startsWith("</", pos)) {
        const close = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(source.slice(pos, pos + 512));
        if (!close || close[1] !== match[1]) fail();
        pos += close![0].length;
        return element;
      }
      if (source.startsWith("<![CDATA[", pos)) {
        const end = source.indexOf("]]>", pos);
        if (end < 0) fail();
        element.text += source.slice(pos + 9, end);
        pos = end + 3;
      } else if (source.startsWith("<!--", pos)) {
        pos = after("-->");
      } else {
        element.children.push(parseElement());
      }
    }
  };
  skipMisc();
  const root = parseElement();
  skipMisc();
  if (pos !== source.length) fail();
  return root;
}
