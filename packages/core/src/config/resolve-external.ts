/**
 * GoCD external artifacts on Fawkes's S3 artifact stores: `artifacts: - external: {id, store_id,
 * configuration: {options: {Source, Destination}}}` and `fetch: {artifact_origin: external, artifact_id,
 * configuration: {options: {Destination}}}`. Store ids are bound to buckets later (resolve-artifact-stores.ts),
 * once every file's `artifact_stores` is known.
 */
import type { RunIf } from "@fawkes/protocol";
import type { ExternalArtifactConfig, FetchTaskConfig } from "./model.ts";
import { at, checkInside, checkName, locationOf } from "./resolve-context.ts";
import type { IssueSink, Place } from "./resolve-context.ts";
import { didYouMean } from "./did-you-mean.ts";
import { scalarText } from "./schema-helpers.ts";
import type { RawJob, RawTask } from "./yaml-schema.ts";

type RawExternal = NonNullable<NonNullable<RawJob["artifacts"]>[number]["external"]>;
type RawFetch = NonNullable<RawTask["fetch"]>;
type Options = Record<string, string | number | boolean | null> | undefined;

/** The options of one configuration block as text; an option the store does not know is an error. */
function readOptions(options: Options, known: readonly string[], place: Place, sink: IssueSink) {
  const values = new Map<string, string>();
  for (const [key, value] of Object.entries(options ?? {})) {
    if (!known.includes(key)) {
      const hint = didYouMean(key, known);
      sink.add(
        locationOf(at(place, key)),
        `unknown option "${key}"${hint} (the S3 artifact store knows ${known.join(", ")})`,
      );
    } else values.set(key, scalarText(value));
  }
  return values;
}

export function resolveExternalArtifact(
  raw: RawExternal,
  place: Place,
  sink: IssueSink,
): ExternalArtifactConfig {
  checkName(raw.id, "external artifact id", at(place, "id"), sink);
  const optionsPlace = at(place, "configuration", "options");
  const options = readOptions(raw.configuration?.options, ["Source", "Destination"], optionsPlace, sink);
  const source = options.get("Source") ?? "";
  if (source.trim() === "")
    sink.add(
      locationOf(options.has("Source") ? at(optionsPlace, "Source") : place, "value"),
      `external artifact "${raw.id}" needs configuration.options.Source (a glob of files to publish)`,
    );
  const destination = trimSlashes(options.get("Destination") ?? "");
  checkInside(source, "Source", at(optionsPlace, "Source"), sink);
  checkInside(destination, "Destination", at(optionsPlace, "Destination"), sink);
  // bucket and prefix are placeholders until bindArtifactStores runs.
  const artifact = { id: raw.id, storeId: raw.store_id, bucket: "", prefix: "", source, destination };
  sink.places.set(artifact, place);
  return artifact;
}

export function resolveExternalFetch(
  raw: RawFetch,
  place: Place,
  sink: IssueSink,
  runIf: RunIf[],
): FetchTaskConfig {
  for (const key of ["source", "is_file"] as const)
    if (raw[key] !== undefined)
      sink.add(locationOf(at(place, key)), `"${key}" is not used with artifact_origin: external`);
  if (raw.artifact_id === undefined || raw.artifact_id.trim() === "")
    sink.add(locationOf(at(place, "artifact_origin")), "artifact_origin: external needs artifact_id");
  const optionsPlace = at(place, "configuration", "options");
  const options = readOptions(raw.configuration?.options, ["Destination"], optionsPlace, sink);
  const destination = options.get("Destination") ?? raw.destination ?? "";
  checkInside(
    destination,
    options.has("Destination") ? "Destination" : "destination",
    options.has("Destination") ? at(optionsPlace, "Destination") : at(place, "destination"),
    sink,
  );
  const task: FetchTaskConfig = {
    kind: "fetch",
    pipelinePath: raw.pipeline === undefined || raw.pipeline === "" ? null : raw.pipeline,
    stage: raw.stage,
    job: raw.job,
    source: "",
    destination,
    isFile: false,
    external: { artifactId: raw.artifact_id ?? "" },
    runIf,
    onCancel: null,
  };
  sink.places.set(task, place);
  return task;
}

export function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}
