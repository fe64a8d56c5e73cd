/** One pipeline on its own: template, parameters, defaults, materials, stages. Cross-pipeline rules come later. */
import { validateLabelTemplate } from "../label.ts";
import { didYouMean } from "./did-you-mean.ts";
import type { LockBehavior, PipelineConfig } from "./model.ts";
import { isValidParameterName, substituteParameters } from "./parameters.ts";
import type { ParameterError } from "./parameters.ts";
import { at, checkName, locationOf, namePattern, resolveVariables } from "./resolve-context.ts";
import type { IssueSink, Place } from "./resolve-context.ts";
import { resolveMaterials } from "./resolve-materials.ts";
import { resolveStages } from "./resolve-stages.ts";
import { scalarText, toBoolean } from "./schema-helpers.ts";
import type { RawPipeline, RawStageList, RawTemplate } from "./yaml-schema.ts";

export interface Declared<T> {
  name: string;
  raw: T;
  /** Where it is declared: `["pipelines", name]` or `["templates", name]` in its file. */
  place: Place;
}

/** Templates by lower-cased name; more than one entry means a duplicate definition. */
export type TemplateIndex = ReadonlyMap<string, Declared<RawTemplate>[]>;

/** The pipeline; it is valid only if `sink` got no issue meanwhile (the caller compares `sink.count`). */
export function resolvePipeline(
  declared: Declared<RawPipeline>,
  templates: TemplateIndex,
  sink: IssueSink,
): PipelineConfig {
  const { name, place } = declared;
  checkName(name, "pipeline", place, sink);
  const parameters = resolveParameters(declared, sink);
  const { parameters: _parameters, template: templateName, ...body } = declared.raw;

  const parameterErrors: ParameterError[] = [];
  const raw = substituteParameters(body, parameters, parameterErrors);
  reportParameterErrors(parameterErrors, place, sink);

  let stagesRaw: RawStageList = raw.stages ?? [];
  let stagesPlace = at(place, "stages");
  let templateFound = true;
  if (templateName !== undefined) {
    if (raw.stages !== undefined) {
      sink.add(locationOf(at(place, "template")), 'a pipeline with a "template" cannot also have "stages"');
    }
    const template = findTemplate(templateName, templates, at(place, "template"), sink);
    templateFound = template !== null;
    if (template !== null) {
      const errors: ParameterError[] = [];
      stagesRaw = substituteParameters(template.raw.stages, parameters, errors);
      stagesPlace = at(template.place, "stages");
      reportParameterErrors(errors, stagesPlace, sink);
    }
  } else if (raw.stages === undefined) {
    sink.add(locationOf(place), `pipeline "${name}" needs "stages" or a "template"`);
  }

  const group = raw.group ?? "defaultGroup";
  if (!namePattern.test(group)) {
    sink.add(
      locationOf(at(place, "group"), "value"),
      `invalid group name "${group}": use letters, digits, _ - .`,
    );
  }
  const materials = resolveMaterials(raw.materials, at(place, "materials"), sink);
  // Without its template, or without stages at all, a pipeline has no stages to check: "unknown template" and
  // 'needs "stages" or a "template"' say it all.
  const noStages = !templateFound || (templateName === undefined && raw.stages === undefined);
  const stages = noStages ? [] : resolveStages(stagesRaw, stagesPlace, sink);
  // The pipeline's role is every job's that names none (neither on the job nor on its stage).
  if (raw.role !== undefined) for (const stage of stages) for (const job of stage.jobs) job.role ??= raw.role;
  const labelTemplate = raw.label_template ?? "${COUNT}";
  for (const message of validateLabelTemplate(labelTemplate, Object.keys(raw.materials))) {
    sink.add(locationOf(at(place, "label_template"), "value"), message);
  }
  const pipeline: PipelineConfig = {
    name,
    group,
    labelTemplate,
    lockBehavior: resolveLockBehavior(raw, place, sink),
    environmentVariables: resolveVariables(raw.environment_variables, raw.secure_variables, place, sink),
    materials,
    stages,
    environment: null,
    ...(raw.role !== undefined ? { role: raw.role } : {}),
    location: locationOf(place),
  };
  return pipeline;
}

function resolveParameters(declared: Declared<RawPipeline>, sink: IssueSink): Map<string, string> {
  const parameters = new Map<string, string>();
  for (const [name, value] of Object.entries(declared.raw.parameters ?? {})) {
    if (!isValidParameterName(name)) {
      sink.add(locationOf(at(declared.place, "parameters", name)), `invalid parameter name "${name}"`);
    }
    parameters.set(name, scalarText(value));
  }
  return parameters;
}

function reportParameterErrors(errors: ParameterError[], place: Place, sink: IssueSink): void {
  for (const error of errors) sink.add(locationOf(at(place, ...error.path), "value"), error.message);
}

function findTemplate(
  name: string,
  templates: TemplateIndex,
  place: Place,
  sink: IssueSink,
): Declared<RawTemplate> | null {
  const found = templates.get(name.toLowerCase());
  if (found === undefined) {
    const known = [...templates.values()].map((list) => list[0]!.name);
    sink.add(locationOf(place, "value"), `unknown template "${name}"${didYouMean(name, known)}`);
    return null;
  }
  if (found.length > 1) {
    sink.add(locationOf(place, "value"), `template "${name}" is defined more than once`);
    return null;
  }
  return found[0]!;
}

function resolveLockBehavior(
  raw: Omit<RawPipeline, "parameters" | "template">,
  place: Place,
  sink: IssueSink,
): LockBehavior {
  if (raw.lock_behavior !== undefined && raw.locking !== undefined) {
    sink.add(locationOf(at(place, "locking")), 'give "lock_behavior" or the legacy "locking", not both');
  }
  if (raw.lock_behavior !== undefined) return raw.lock_behavior;
  return toBoolean(raw.locking, false) ? "lockOnFailure" : "none";
}
