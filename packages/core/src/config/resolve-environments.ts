/**
 * GoCD environments: pipelines + agents + variables. As in GoCD, one environment may be declared in several
 * files (its parts are merged); a pipeline may belong to one environment only.
 */
import { didYouMean } from "./did-you-mean.ts";
import type { EnvironmentConfig, Variable } from "./model.ts";
import { at, checkName, locationOf, resolveVariables } from "./resolve-context.ts";
import type { IssueSink, Place } from "./resolve-context.ts";
import type { Declared } from "./resolve-pipeline.ts";
import type { RawEnvironment } from "./yaml-schema.ts";

export interface ResolvedEnvironments {
  environments: EnvironmentConfig[];
  /** Environment member: lower-cased pipeline name → where it is listed. */
  memberships: Map<string, { environment: string; place: Place }[]>;
}

/**
 * Merges declarations by name. `fileSink` collects issues that concern no pipeline; pipelines listed in two
 * environments are left to the caller (see `memberships`).
 */
export function resolveEnvironments(
  declared: Declared<RawEnvironment>[],
  declaredPipelines: ReadonlyMap<string, string>,
  fileSink: IssueSink,
): ResolvedEnvironments {
  const byName = new Map<string, EnvironmentConfig>();
  const memberships = new Map<string, { environment: string; place: Place }[]>();
  for (const { name, raw, place } of declared) {
    checkName(name, "environment", place, fileSink);
    let environment = byName.get(name.toLowerCase());
    if (environment === undefined) {
      environment = {
        name,
        environmentVariables: [],
        pipelines: [],
        agents: [],
        location: locationOf(place),
      };
      byName.set(name.toLowerCase(), environment);
    }
    const variables = resolveVariables(raw.environment_variables, raw.secure_variables, place, fileSink);
    mergeVariables(environment, variables, place, fileSink);
    for (const [index, pipeline] of (raw.pipelines ?? []).entries()) {
      const listed = at(place, "pipelines", index);
      const known = declaredPipelines.get(pipeline.toLowerCase());
      if (known === undefined) {
        const hint = didYouMean(pipeline, [...declaredPipelines.values()]);
        fileSink.add(
          locationOf(listed, "value"),
          `environment "${name}" lists unknown pipeline "${pipeline}"${hint}`,
        );
        continue;
      }
      const entries = memberships.get(known.toLowerCase()) ?? [];
      // Entries name few environments: a pipeline in several of them is already an error.
      if (entries.some((entry) => entry.environment === environment.name)) continue;
      entries.push({ environment: environment.name, place: listed });
      memberships.set(known.toLowerCase(), entries);
      environment.pipelines.push(known);
    }
    const agents = new Set(environment.agents);
    for (const agent of raw.agents ?? []) agents.add(String(agent));
    environment.agents = [...agents];
  }
  return { environments: [...byName.values()], memberships };
}

/** Variables by name, per environment, so that merging declarations is linear in their variables. */
const variablesByName = new WeakMap<EnvironmentConfig, Map<string, Variable>>();

function mergeVariables(
  environment: EnvironmentConfig,
  variables: Variable[],
  place: Place,
  sink: IssueSink,
): void {
  let byName = variablesByName.get(environment);
  if (byName === undefined) variablesByName.set(environment, (byName = new Map()));
  for (const variable of variables) {
    const existing = byName.get(variable.name);
    if (existing === undefined) {
      byName.set(variable.name, variable);
      environment.environmentVariables.push(variable);
    } else if (existing.value !== variable.value || existing.secure !== variable.secure) {
      const key = variable.secure ? "secure_variables" : "environment_variables";
      sink.add(
        locationOf(at(place, key, variable.name)),
        `variable "${variable.name}" has another value in another declaration of this environment`,
      );
    }
  }
}
