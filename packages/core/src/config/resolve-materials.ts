/** Materials of one pipeline: raw YAML map → GitMaterial | DependencyMaterial with GoCD's defaults. */
import type { MaterialConfig } from "./model.ts";
import { at, checkInside, checkName, checkUniqueNames, locationOf } from "./resolve-context.ts";
import type { IssueSink, Place } from "./resolve-context.ts";
import { toBoolean } from "./schema-helpers.ts";
import type { RawMaterial } from "./yaml-schema.ts";

const gitOnlyKeys = [
  "git",
  "url",
  "branch",
  "shallow_clone",
  "includes",
  "whitelist",
  "ignore",
  "blacklist",
  "destination",
  "run_every_commit",
  "webhook_secret",
] as const;
const dependencyOnlyKeys = ["pipeline", "stage", "ignore_for_scheduling"] as const;

export function resolveMaterials(
  raw: Record<string, RawMaterial>,
  place: Place,
  sink: IssueSink,
): MaterialConfig[] {
  const entries = Object.entries(raw);
  if (entries.length === 0) sink.add(locationOf(place), "a pipeline needs at least one material");
  const materials: MaterialConfig[] = [];
  for (const [name, material] of entries) {
    const resolved = resolveMaterial(name, material, at(place, name), sink);
    if (resolved === null) continue;
    materials.push(resolved);
    sink.places.set(resolved, at(place, name));
  }
  checkUniqueNames(
    entries.map(([name]) => ({ name, place: at(place, name) })),
    "material",
    sink,
  );
  checkDestinations(materials, place, sink);
  return materials;
}

function resolveMaterial(
  name: string,
  raw: RawMaterial,
  place: Place,
  sink: IssueSink,
): MaterialConfig | null {
  checkName(name, "material", place, sink);
  const type =
    raw.type ??
    (raw.git !== undefined || raw.url !== undefined
      ? "git"
      : raw.pipeline !== undefined
        ? "dependency"
        : null);
  if (type === null) {
    sink.add(locationOf(place), `material "${name}" needs either "git: URL" or "pipeline:" and "stage:"`);
    return null;
  }
  const foreign = type === "git" ? dependencyOnlyKeys : gitOnlyKeys;
  for (const key of foreign) {
    if (raw[key] !== undefined)
      sink.add(locationOf(at(place, key)), `"${key}" does not apply to a ${type} material`);
  }
  if (type === "dependency") {
    for (const key of ["pipeline", "stage"] as const) {
      if (raw[key] === undefined) sink.add(locationOf(place), `dependency material "${name}" needs "${key}"`);
    }
    return {
      type: "dependency",
      name,
      pipeline: raw.pipeline ?? "",
      stage: raw.stage ?? "",
      ignoreForScheduling: toBoolean(raw.ignore_for_scheduling, false),
    };
  }
  if (raw.git !== undefined && raw.url !== undefined) {
    sink.add(locationOf(at(place, "url")), 'give the repository URL in "git" or in "url", not both');
  }
  const url = raw.git ?? raw.url;
  if (url === undefined || url.trim() === "")
    sink.add(locationOf(place), `git material "${name}" needs a URL`);
  const includes = pickAlias(raw, "includes", "whitelist", place, sink);
  const ignore = pickAlias(raw, "ignore", "blacklist", place, sink);
  if (includes.length > 0 && ignore.length > 0) {
    sink.add(
      locationOf(at(place, raw.ignore !== undefined ? "ignore" : "blacklist")),
      `git material "${name}" cannot have both includes and ignore filters`,
    );
  }
  const destination = raw.destination ?? "";
  checkInside(destination, "destination", at(place, "destination"), sink);
  return {
    type: "git",
    name,
    url: url ?? "",
    branch: raw.branch ?? "master",
    shallowClone: toBoolean(raw.shallow_clone, false),
    autoUpdate: toBoolean(raw.auto_update, true),
    includes,
    ignore,
    destination,
    runEveryCommit: toBoolean(raw.run_every_commit, false),
    webhookSecret: raw.webhook_secret ?? null,
  };
}

/** `includes`/`whitelist` and `ignore`/`blacklist` are old and new names of one key (format_version 10). */
function pickAlias(
  raw: RawMaterial,
  key: "includes" | "ignore",
  legacy: "whitelist" | "blacklist",
  place: Place,
  sink: IssueSink,
): string[] {
  if (raw[key] !== undefined && raw[legacy] !== undefined) {
    sink.add(locationOf(at(place, legacy)), `"${legacy}" is the old name of "${key}"; give only one of them`);
  }
  return raw[key] ?? raw[legacy] ?? [];
}

/** Several git materials must each check out into their own directory (GoCD requires distinct destinations). */
function checkDestinations(materials: MaterialConfig[], place: Place, sink: IssueSink): void {
  const git = materials.filter((material) => material.type === "git");
  if (git.length < 2) return;
  const seen: { name: string; folder: string }[] = [];
  for (const material of git) {
    const folder = material.destination.replace(/\\/g, "/").replace(/^\.\/|\/+$/g, "");
    const materialPlace = at(place, material.name);
    if (folder === "" || folder === ".") {
      sink.add(
        locationOf(materialPlace),
        `git material "${material.name}" needs a "destination" when a pipeline has several git materials`,
      );
      continue;
    }
    const clash = seen.find(
      (other) =>
        other.folder === folder ||
        folder.startsWith(`${other.folder}/`) ||
        other.folder.startsWith(`${folder}/`),
    );
    if (clash !== undefined) {
      sink.add(
        locationOf(at(materialPlace, "destination"), "value"),
        `destination "${material.destination}" of material "${material.name}" overlaps that of "${clash.name}"`,
      );
    }
    seen.push({ name: material.name, folder });
  }
}
