/**
 * Bucket lifecycle rules: S3's LifecycleConfiguration XML (Rule: ID, Filter/Prefix, Status, Expiration/Days or
 * Date, AbortIncompleteMultipartUpload) plus one Fawkes extension, `<FawkesKeepNewest>N</FawkesKeepNewest>`
 * (with optional `<FawkesGroupByDelimiter>`): keep only the newest N objects under the rule's prefix.
 * See docs/cloud-lifecycle.md. Stored as the JSON of `LifecycleConfiguration`.
 */
import { randomBytes } from "node:crypto";
import { AwsError, s3Errors } from "../aws-error.ts";
import { child, children, el, parseXml, s3Document, text, type XmlElement } from "../s3/xml.ts";

export interface LifecycleFilter {
  prefix: string;
  /** Only objects strictly larger / smaller than this many bytes. */
  sizeGreaterThan?: number;
  sizeLessThan?: number;
}

export interface LifecycleRule {
  id: string;
  enabled: boolean;
  filter: LifecycleFilter;
  /** The rule used the legacy `<Prefix>` element instead of `<Filter>` (echoed back the same way). */
  legacyPrefix: boolean;
  expiration?: { days?: number; date?: string };
  abortIncompleteAfterDays?: number;
  /** Fawkes extension: keep the newest N objects (by LastModified) matching the filter, expire the rest. */
  keepNewest?: number;
  /** With keepNewest: count per group, a group being the key up to the first delimiter after the prefix. */
  groupByDelimiter?: string;
}

export interface LifecycleConfiguration {
  rules: LifecycleRule[];
}

const MAX_RULES = 1000;
const invalid = (message: string, name?: string, value?: string) =>
  s3Errors.invalidArgument(message, name, value);

function positiveInteger(element: XmlElement | undefined, what: string): number | undefined {
  if (element === undefined) return undefined;
  const raw = element.text.trim();
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 2_147_483_647)
    throw invalid(`'${what}' must be a positive integer`, what, raw);
  return Number(raw);
}

function nonNegativeInteger(element: XmlElement | undefined, what: string): number | undefined {
  if (element === undefined) return undefined;
  const raw = element.text.trim();
  if (!/^\d+$/.test(raw)) throw invalid(`'${what}' must be a non-negative integer`, what, raw);
  return Number(raw);
}

function parseFilter(filter: XmlElement): LifecycleFilter {
  const and = child(filter, "And");
  const source = and ?? filter;
  if (children(source, "Tag").length > 0)
    throw new AwsError("NotImplemented", 501, "Lifecycle filters on object tags are not supported");
  const conditions = source.children.filter((c) =>
    ["Prefix", "ObjectSizeGreaterThan", "ObjectSizeLessThan"].includes(c.name),
  );
  if (!and && conditions.length > 1) throw s3Errors.malformedXml();
  const result: LifecycleFilter = { prefix: child(source, "Prefix")?.text ?? "" };
  const greater = nonNegativeInteger(child(source, "ObjectSizeGreaterThan"), "ObjectSizeGreaterThan");
  const less = nonNegativeInteger(child(source, "ObjectSizeLessThan"), "ObjectSizeLessThan");
  if (greater !== undefined) result.sizeGreaterThan = greater;
  if (less !== undefined) result.sizeLessThan = less;
  return result;
}

function parseRule(rule: XmlElement): LifecycleRule {
  const id = child(rule, "ID")?.text ?? randomBytes(12).toString("base64url");
  if (id.length > 255) throw invalid("ID length should not exceed allowed limit of 255", "ID", id);
  const status = child(rule, "Status")?.text.trim();
  if (status !== "Enabled" && status !== "Disabled") throw s3Errors.malformedXml();
  for (const unsupported of ["Transition", "NoncurrentVersionTransition", "NoncurrentVersionExpiration"])
    if (child(rule, unsupported))
      throw new AwsError(
        "NotImplemented",
        501,
        `Lifecycle action ${unsupported} is not supported (Fawkes buckets have one storage class and no versioning)`,
      );
  const filter = child(rule, "Filter");
  const legacy = child(rule, "Prefix");
  if (filter && legacy) throw s3Errors.malformedXml();
  const parsed: LifecycleRule = {
    id,
    enabled: status === "Enabled",
    filter: filter ? parseFilter(filter) : { prefix: legacy?.text ?? "" },
    legacyPrefix: legacy !== undefined,
  };
  const expiration = child(rule, "Expiration");
  if (expiration) {
    const days = positiveInteger(child(expiration, "Days"), "Days");
    const date = child(expiration, "Date")?.text.trim();
    if ((days === undefined) === (date === undefined)) throw s3Errors.malformedXml();
    if (date !== undefined && !/^\d{4}-\d\d-\d\dT00:00:00(\.0+)?(Z|[+-]00:00)$/.test(date))
      throw invalid("'Date' must be at midnight GMT", "Date", date);
    parsed.expiration = days !== undefined ? { days } : { date: new Date(date!).toISOString() };
  }
  const abort = child(rule, "AbortIncompleteMultipartUpload");
  if (abort) {
    const days = positiveInteger(child(abort, "DaysAfterInitiation"), "DaysAfterInitiation");
    if (days === undefined) throw s3Errors.malformedXml();
    parsed.abortIncompleteAfterDays = days;
  }
  const keep = positiveInteger(child(rule, "FawkesKeepNewest"), "FawkesKeepNewest");
  if (keep !== undefined) parsed.keepNewest = keep;
  const group = child(rule, "FawkesGroupByDelimiter")?.text;
  if (group !== undefined) {
    if (keep === undefined || group === "") throw s3Errors.malformedXml();
    parsed.groupByDelimiter = group;
  }
  if (!expiration && !abort && keep === undefined)
    throw invalid("At least one action needs to be specified in a rule");
  return parsed;
}

/** Parses a PutBucketLifecycleConfiguration body. Throws MalformedXML / InvalidArgument / NotImplemented. */
export function parseLifecycleConfiguration(xml: string): LifecycleConfiguration {
  const root = parseXml(xml);
  if (root.name !== "LifecycleConfiguration") throw s3Errors.malformedXml();
  const rules = children(root, "Rule").map(parseRule);
  if (rules.length === 0 || rules.length > MAX_RULES) throw s3Errors.malformedXml();
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id))
      throw invalid("Rule ID must be unique. Found same ID for more than one rule", "ID", rule.id);
    ids.add(rule.id);
  }
  return { rules };
}

function renderFilter(filter: LifecycleFilter): string {
  const parts = [
    text("Prefix", filter.prefix),
    text("ObjectSizeGreaterThan", filter.sizeGreaterThan),
    text("ObjectSizeLessThan", filter.sizeLessThan),
  ];
  const count = (filter.sizeGreaterThan !== undefined ? 1 : 0) + (filter.sizeLessThan !== undefined ? 1 : 0);
  if (count === 0) return el("Filter", parts[0]!);
  return filter.prefix === "" && count === 1
    ? el("Filter", parts[1]!, parts[2]!)
    : el("Filter", el("And", ...parts));
}

/** The GetBucketLifecycleConfiguration document (extension elements included, so a GET/PUT round trip keeps them). */
export function renderLifecycleConfiguration(config: LifecycleConfiguration): string {
  return s3Document(
    "LifecycleConfiguration",
    ...config.rules.map((rule) =>
      el(
        "Rule",
        text("ID", rule.id),
        rule.legacyPrefix ? text("Prefix", rule.filter.prefix) : renderFilter(rule.filter),
        text("Status", rule.enabled ? "Enabled" : "Disabled"),
        rule.expiration
          ? el(
              "Expiration",
              text("Days", rule.expiration.days),
              text("Date", rule.expiration.date?.replace(/\.\d+Z$/, "Z")),
            )
          : "",
        rule.abortIncompleteAfterDays !== undefined
          ? el("AbortIncompleteMultipartUpload", text("DaysAfterInitiation", rule.abortIncompleteAfterDays))
          : "",
        text("FawkesKeepNewest", rule.keepNewest),
        text("FawkesGroupByDelimiter", rule.groupByDelimiter),
      ),
    ),
  );
}
