/**
 * EC2's `Filter.N` semantics, shared by its Describe* actions: values of one filter ORed, filters ANDed, `*` and
 * `?` wildcards, `tag:KEY`, `tag-key` and `tag-value`; and the XML bits every answer shares.
 */
import { AwsError } from "../aws-error.ts";
import type { QueryParams } from "../query/params.ts";
import { el, text } from "../s3/xml.ts";

/** What a filter is matched against: an id and tags (the rest comes from `fields`). */
export interface Filterable {
  id: string;
  tags: Record<string, string>;
}

export interface Filter {
  name: string;
  values: string[];
}

export function filtersOf(params: QueryParams): Filter[] {
  return params.structures("Filter", { member: false }).map((raw, index) => {
    const name = raw.Name;
    if (!name) throw new AwsError("InvalidParameterValue", 400, `Filter.${index + 1}.Name is required`);
    const values = Object.entries(raw)
      .filter(([key]) => /^Value\.\d+$/.test(key))
      .sort(([a], [b]) => Number(a.slice(6)) - Number(b.slice(6)))
      .map(([, value]) => value);
    return { name, values };
  });
}

const wildcard = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replaceAll("*", ".*")
      .replaceAll("?", ".")}$`,
    "s",
  );

/** Whether `record` passes every filter (`fields` gives each filter name's values for the record). */
export function matches<R extends Filterable>(
  record: R,
  filters: readonly Filter[],
  fields: (record: R) => Record<string, readonly string[]>,
): boolean {
  const known = fields(record);
  return filters.every((filter) => {
    let values: readonly string[];
    if (filter.name.startsWith("tag:")) {
      const tag = record.tags[filter.name.slice(4)];
      values = tag === undefined ? [] : [tag];
    } else if (filter.name === "tag-key") values = Object.keys(record.tags);
    else if (filter.name === "tag-value") values = Object.values(record.tags);
    else if (Object.hasOwn(known, filter.name)) values = known[filter.name]!;
    else throw new AwsError("InvalidParameterValue", 400, `The filter '${filter.name}' is invalid`);
    return filter.values.some((pattern) => values.some((value) => wildcard(pattern).test(value)));
  });
}

export const item = (...children: string[]) => el("item", ...children);
export const str = (value: unknown): string =>
  typeof value === "string" ? value : value === undefined ? "" : String(value);
export const tagSet = (tags: Record<string, string>) =>
  el("tagSet", ...Object.entries(tags).map(([key, value]) => item(text("key", key), text("value", value))));
