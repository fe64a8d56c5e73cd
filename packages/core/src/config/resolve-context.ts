/** Shared plumbing of the resolve step: where a pipeline's parts live, and where its issues go. */
import type { ConfigIssue, SourceLocation, Variable } from "./model.ts";
import { scalarText } from "./schema-helpers.ts";
import type { Locator, PathSegment } from "./yaml-source.ts";

/** Collects the issues of one pipeline; the pipeline is valid only if none were added. */
export class IssueSink {
  readonly issues: ConfigIssue[] = [];
  readonly pipelines: string[];
  /** Where resolved materials and tasks were written, for the cross-pipeline checks' messages. */
  readonly places: WeakMap<object, Place>;
  constructor(pipelines: string[], places: WeakMap<object, Place> = new WeakMap()) {
    this.pipelines = pipelines;
    this.places = places;
  }
  add(location: SourceLocation, message: string): void {
    this.issues.push({ ...location, message, pipelines: this.pipelines });
  }
  get count(): number {
    return this.issues.length;
  }
}

/** A part of a file: its locator and the path of the part inside the file. */
export interface Place {
  locator: Locator;
  path: PathSegment[];
}

export function at(place: Place, ...rest: PathSegment[]): Place {
  return { locator: place.locator, path: [...place.path, ...rest] };
}

export function locationOf(place: Place, prefer: "key" | "value" = "key"): SourceLocation {
  return place.locator.at(place.path, prefer);
}

/** GoCD's rule for pipeline, stage, job and material names. */
export const namePattern = /^[A-Za-z0-9_\-.]{1,255}$/;

export function checkName(name: string, what: string, place: Place, sink: IssueSink): void {
  if (!namePattern.test(name)) {
    sink.add(locationOf(place), `invalid ${what} name "${name}": use letters, digits, _ - . (at most 255)`);
  }
}

/** Reports names that differ only by case (GoCD names are case-insensitive). */
export function checkUniqueNames(
  names: { name: string; place: Place }[],
  what: string,
  sink: IssueSink,
): void {
  const seen = new Map<string, string>();
  for (const { name, place } of names) {
    const previous = seen.get(name.toLowerCase());
    if (previous !== undefined)
      sink.add(locationOf(place), `duplicate ${what} name "${name}" (same as "${previous}")`);
    else seen.set(name.toLowerCase(), name);
  }
}

/** A relative path that stays inside its directory: not absolute, no `..` segment. */
export function escapes(path: string): boolean {
  if (path.includes("\0")) return true;
  if (/^([A-Za-z]:)?[\\/]/.test(path) || /^~/.test(path)) return true;
  return path.split(/[\\/]/).some((segment) => segment === "..");
}

export function checkInside(path: string, key: string, place: Place, sink: IssueSink): void {
  if (escapes(path)) {
    sink.add(
      locationOf(place, "value"),
      `"${key}" must be a relative path inside the working directory, got "${path}"`,
    );
  }
}

type Scalars = Record<string, string | number | boolean | null>;

/** `environment_variables` and `secure_variables` of one level, as Variables; a name in both is an error. */
export function resolveVariables(
  plain: Scalars | undefined,
  secure: Scalars | undefined,
  place: Place,
  sink: IssueSink,
): Variable[] {
  const variables: Variable[] = [];
  const check = (name: string, key: string) => {
    if (name === "" || /[=\0]/.test(name))
      sink.add(locationOf(at(place, key, name)), `invalid variable name "${name}"`);
  };
  for (const [name, value] of Object.entries(plain ?? {})) {
    check(name, "environment_variables");
    variables.push({ name, value: scalarText(value), secure: false });
  }
  for (const [name, value] of Object.entries(secure ?? {})) {
    check(name, "secure_variables");
    if (plain !== undefined && Object.hasOwn(plain, name)) {
      sink.add(
        locationOf(at(place, "secure_variables", name)),
        `variable "${name}" is both plain and secure`,
      );
    }
    variables.push({ name, value: scalarText(value), secure: true });
  }
  return variables;
}

/** Flattens nested lists (YAML aliases of lists inside lists), keeping each item's path in the file. */
export function flattenWithPlaces<T>(items: unknown[], place: Place): { item: T; place: Place }[] {
  return items.flatMap((item, index) =>
    Array.isArray(item)
      ? flattenWithPlaces<T>(item, at(place, index))
      : [{ item: item as T, place: at(place, index) }],
  );
}
