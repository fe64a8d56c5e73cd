/**
 * Loads many `*.gocd.yaml` files together into one ConfigSnapshot. Templates and environments may live in
 * other files than the pipelines using them. An invalid pipeline is dropped alone (with the pipelines that
 * depend on it); a file that is not valid YAML, or whose top level is wrong, is dropped alone.
 */
import { crossValidate } from "./cross-validate.ts";
import { deepFreeze } from "./deep-freeze.ts";
import type { ConfigIssue, ConfigSnapshot, PipelineConfig } from "./model.ts";
import { bindArtifactStores, resolveArtifactStores } from "./resolve-artifact-stores.ts";
import type { DeclaredStore } from "./resolve-artifact-stores.ts";
import { IssueSink, locationOf } from "./resolve-context.ts";
import type { Place } from "./resolve-context.ts";
import { resolveEnvironments } from "./resolve-environments.ts";
import { resolvePipeline } from "./resolve-pipeline.ts";
import type { Declared } from "./resolve-pipeline.ts";
import { prunedForChecks, validate } from "./schema-issues.ts";
import * as schema from "./yaml-schema.ts";
import type { RawEnvironment, RawPipeline, RawTemplate } from "./yaml-schema.ts";
import { parseYamlFile } from "./yaml-source.ts";

export interface ConfigFileInput {
  /** Path shown in issues (relative to the config repository or directory). */
  path: string;
  text: string;
  /** Where the file comes from (a directory or config repository); informational. */
  source?: string;
  /**
   * Size of the file in bytes, when the reader knows it without reading the file: a file over the limit is then
   * reported without its text (which may be left empty). @default the UTF-8 length of `text`
   */
  size?: number;
}

/** The largest config file parsed, in bytes (`--config-max-bytes`). */
export const defaultConfigMaxBytes = 1024 * 1024;

export interface ParseConfigOptions {
  /** Files larger than this are an issue instead of being parsed. @default {@link defaultConfigMaxBytes} */
  maxFileBytes?: number;
  /** Called as each file's parsing starts, so a caller can tell which file a parse that never ended was at. */
  onFile?: (path: string) => void;
}

interface Declarations {
  pipelines: Declared<RawPipeline>[];
  templates: Declared<RawTemplate>[];
  environments: Declared<RawEnvironment>[];
  artifactStores: DeclaredStore[];
  /**
   * Pipelines the schema refused, with the refused keys taken out: checked further only to report their other
   * problems in the same pass, never loaded.
   */
  refused: Declared<RawPipeline>[];
  /** Lower-cased names of pipelines declared but already invalid. */
  invalidPipelines: Set<string>;
  /** Pipeline names as declared, by lower-cased name (including invalid ones). */
  pipelineNames: Map<string, string>;
  /** Every declaration of each pipeline name, valid or not, by lower-cased name. */
  pipelinePlaces: Map<string, Place[]>;
}

export function parseConfigFiles(
  files: readonly ConfigFileInput[],
  options: ParseConfigOptions = {},
): ConfigSnapshot {
  const issues: ConfigIssue[] = [];
  const places = new WeakMap<object, Place>();
  const fileSink = new IssueSink([], places);
  const sinks = new Map<string, IssueSink>();
  const sinkOf = (pipeline: string) => {
    let sink = sinks.get(pipeline.toLowerCase());
    if (sink === undefined) sinks.set(pipeline.toLowerCase(), (sink = new IssueSink([pipeline], places)));
    return sink;
  };

  const declarations = declare(files, issues, options);
  const templates = new Map<string, Declared<RawTemplate>[]>();
  for (const template of declarations.templates) {
    const list = templates.get(template.name.toLowerCase()) ?? [];
    list.push(template);
    templates.set(template.name.toLowerCase(), list);
  }
  for (const list of templates.values()) {
    if (list.length > 1)
      for (const t of list)
        fileSink.add(locationOf(t.place), `template "${t.name}" is defined more than once`);
  }

  const valid = new Map<string, PipelineConfig>();
  const invalid = declarations.invalidPipelines;
  // Invalid pipelines that could still be resolved: their cross-pipeline problems are reported too.
  const checkOnly = new Map<string, PipelineConfig>();
  for (const declared of uniquePipelines(declarations, sinkOf)) {
    const sink = sinkOf(declared.name);
    const before = sink.count;
    const pipeline = resolvePipeline(declared, templates, sink);
    if (sink.count === before) valid.set(declared.name.toLowerCase(), pipeline);
    else {
      invalid.add(declared.name.toLowerCase());
      checkOnly.set(declared.name.toLowerCase(), pipeline);
    }
  }
  for (const declared of declarations.refused) {
    if (declarations.pipelinePlaces.get(declared.name.toLowerCase())!.length > 1) continue;
    checkOnly.set(declared.name.toLowerCase(), resolvePipeline(declared, templates, sinkOf(declared.name)));
  }

  const artifactStores = resolveArtifactStores(declarations.artifactStores, fileSink);
  for (const [key, pipeline] of valid) {
    if (bindArtifactStores(pipeline, artifactStores, sinkOf(pipeline.name))) continue;
    valid.delete(key);
    invalid.add(key);
  }

  const { environments, memberships } = resolveEnvironments(
    declarations.environments,
    declarations.pipelineNames,
    fileSink,
  );
  for (const [pipeline, entries] of memberships) {
    if (entries.length < 2) continue;
    const name = declarations.pipelineNames.get(pipeline)!;
    const names = entries.map((entry) => `"${entry.environment}"`).join(" and ");
    for (const entry of entries)
      sinkOf(name).add(
        locationOf(entry.place, "value"),
        `pipeline "${name}" is in several environments: ${names}`,
      );
    valid.delete(pipeline);
    invalid.add(pipeline);
  }

  crossValidate({ valid, invalid, checkOnly, declared: [...declarations.pipelineNames.values()], sinkOf });

  const pipelines = [...valid.values()].map((pipeline) => ({
    ...pipeline,
    environment: memberships.get(pipeline.name.toLowerCase())?.[0]?.environment ?? null,
  }));
  for (const environment of environments) {
    environment.pipelines = environment.pipelines.filter((name) => valid.has(name.toLowerCase()));
  }
  issues.push(...fileSink.issues, ...[...sinks.values()].flatMap((sink) => sink.issues));
  return deepFreeze({ pipelines, environments, artifactStores, issues: sortIssues(issues, files) });
}

/** Parses and validates the structure of every file, collecting what each declares. */
function declare(
  files: readonly ConfigFileInput[],
  issues: ConfigIssue[],
  { maxFileBytes = defaultConfigMaxBytes, onFile }: ParseConfigOptions,
): Declarations {
  const result: Declarations = {
    pipelines: [],
    templates: [],
    environments: [],
    artifactStores: [],
    refused: [],
    invalidPipelines: new Set(),
    pipelineNames: new Map(),
    pipelinePlaces: new Map(),
  };
  for (const file of files) {
    onFile?.(file.path);
    const size = file.size ?? utf8Length(file.text);
    if (size > maxFileBytes) {
      issues.push(oversizedFileIssue(file.path, size, maxFileBytes));
      continue;
    }
    const parsed = parseYamlFile(file.path, file.text);
    issues.push(...parsed.issues);
    if (parsed.data === undefined || parsed.data === null) continue;
    const { locator } = parsed;
    const top = validate(schema.configFileShallow, parsed.data, locator, [], []);
    if (!top.ok) {
      issues.push(...top.issues);
      continue;
    }
    for (const [name, raw] of Object.entries(top.data.pipelines ?? {})) {
      const key = name.toLowerCase();
      const place = { locator, path: ["pipelines", name] };
      if (!result.pipelineNames.has(key)) result.pipelineNames.set(key, name);
      result.pipelinePlaces.set(key, [...(result.pipelinePlaces.get(key) ?? []), place]);
      const checked = validate(schema.pipeline, raw, locator, ["pipelines", name], [name]);
      if (checked.ok) result.pipelines.push({ name, raw: checked.data, place });
      else {
        issues.push(...checked.issues);
        result.invalidPipelines.add(name.toLowerCase());
        const pruned = prunedForChecks(schema.pipeline, raw);
        if (pruned !== undefined) result.refused.push({ name, raw: pruned, place });
      }
    }
    for (const [name, raw] of Object.entries(top.data.templates ?? {})) {
      const checked = validate(schema.template, raw, locator, ["templates", name], []);
      if (checked.ok)
        result.templates.push({ name, raw: checked.data, place: { locator, path: ["templates", name] } });
      else issues.push(...checked.issues);
    }
    for (const [name, raw] of Object.entries(top.data.environments ?? {})) {
      const checked = validate(schema.environment, raw, locator, ["environments", name], []);
      const place = { locator, path: ["environments", name] };
      if (checked.ok) result.environments.push({ name, raw: checked.data, place });
      else issues.push(...checked.issues);
    }
    for (const [name, raw] of Object.entries(top.data.artifact_stores ?? {})) {
      const checked = validate(schema.artifactStore, raw, locator, ["artifact_stores", name], []);
      const place = { locator, path: ["artifact_stores", name] };
      if (checked.ok) result.artifactStores.push({ name, raw: checked.data, place });
      else issues.push(...checked.issues);
    }
  }
  return result;
}

/** The issue for a file over the size limit (also used by readers that refuse to read it). */
export function oversizedFileIssue(path: string, size: number, maxFileBytes: number): ConfigIssue {
  return {
    file: path,
    line: 1,
    column: 1,
    message: `file is ${size} bytes, over the limit of ${maxFileBytes} bytes (--config-max-bytes)`,
    pipelines: [],
  };
}

/** Bytes of `text` in UTF-8, without encoding it. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair is one 4-byte character.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Pipelines declared once; a name declared twice (in any files) is an error on every declaration. */
function uniquePipelines(
  declarations: Declarations,
  sinkOf: (pipeline: string) => IssueSink,
): Declared<RawPipeline>[] {
  for (const [key, places] of declarations.pipelinePlaces) {
    if (places.length < 2) continue;
    declarations.invalidPipelines.add(key);
    const name = declarations.pipelineNames.get(key)!;
    for (const place of places) {
      const others = places.filter((other) => other !== place).map(formatPlace);
      sinkOf(name).add(
        locationOf(place),
        `pipeline "${name}" is defined more than once (also at ${others.join(", ")})`,
      );
    }
  }
  return declarations.pipelines.filter(
    (declared) => !declarations.invalidPipelines.has(declared.name.toLowerCase()),
  );
}

function formatPlace(place: Place): string {
  const location = locationOf(place);
  return `${location.file}:${location.line}:${location.column}`;
}

function sortIssues(issues: ConfigIssue[], files: readonly ConfigFileInput[]): ConfigIssue[] {
  const order = new Map(files.map((file, index) => [file.path, index]));
  return issues.toSorted(
    (a, b) =>
      (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) ||
      a.line - b.line ||
      a.column - b.column ||
      a.message.localeCompare(b.message),
  );
}
