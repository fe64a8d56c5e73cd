/**
 * The parameters of a Query-protocol request (IAM, STS, CloudFormation, EC2): a flat form whose lists are
 * `Name.member.N` (IAM, STS, CloudFormation) or `Name.N` (EC2), 1-based and possibly sparse.
 */
import { AwsError } from "../aws-error.ts";

export const validationError = (message: string) => new AwsError("ValidationError", 400, message);

export class QueryParams {
  readonly #values: ReadonlyMap<string, string>;

  constructor(values: ReadonlyMap<string, string>) {
    this.#values = values;
  }

  static fromForm(body: string): QueryParams {
    return new QueryParams(new Map(new URLSearchParams(body)));
  }

  get(name: string): string | undefined {
    return this.#values.get(name);
  }

  /** A required parameter; missing or empty is AWS's ValidationError with AWS's wording. */
  required(name: string): string {
    const value = this.#values.get(name);
    if (value === undefined || value === "")
      throw validationError(
        `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
      );
    return value;
  }

  /** An optional integer within [min, max]; anything else is a ValidationError naming the parameter. */
  integer(name: string, min: number, max: number): number | undefined {
    const raw = this.#values.get(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max)
      throw validationError(
        `1 validation error detected: Value '${raw}' at '${name}' failed to satisfy constraint: Member must have value between ${min} and ${max}`,
      );
    return value;
  }

  /** Values of `prefix.member.N` (or `prefix.N` with `member: false`), in index order. */
  list(prefix: string, options: { member?: boolean } = {}): string[] {
    const stem = options.member === false ? `${prefix}.` : `${prefix}.member.`;
    return this.#indexed(stem, (rest) => (/^\d+$/.test(rest) ? rest : undefined)).map(([index]) =>
      this.#values.get(stem + index)!,
    );
  }

  /** Structures of `prefix.member.N.Field`, as records of their fields, in index order. */
  structures(prefix: string, options: { member?: boolean } = {}): Record<string, string>[] {
    const stem = options.member === false ? `${prefix}.` : `${prefix}.member.`;
    const byIndex = new Map<number, Record<string, string>>();
    for (const [name, value] of this.#values) {
      if (!name.startsWith(stem)) continue;
      const match = /^(\d+)\.(.+)$/.exec(name.slice(stem.length));
      if (!match) continue;
      const index = Number(match[1]);
      const record = byIndex.get(index) ?? {};
      record[match[2]!] = value;
      byIndex.set(index, record);
    }
    return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, record]) => record);
  }

  /** `Tags.member.N.Key/Value` as a record; a duplicate key is a ValidationError. */
  tags(prefix = "Tags"): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const { Key, Value } of this.structures(prefix)) {
      if (Key === undefined) throw validationError(`${prefix}: every tag needs a Key`);
      if (Object.hasOwn(tags, Key)) throw validationError(`Duplicate tag key '${Key}'`);
      tags[Key] = Value ?? "";
    }
    return tags;
  }

  #indexed(stem: string, indexOf: (rest: string) => string | undefined): [string][] {
    const indices: string[] = [];
    for (const name of this.#values.keys()) {
      if (!name.startsWith(stem)) continue;
      const index = indexOf(name.slice(stem.length));
      if (index !== undefined) indices.push(index);
    }
    return indices.sort((a, b) => Number(a) - Number(b)).map((index) => [index]);
  }
}
