/** The config errors, fetched once for the banner and the Config health page, refreshed on config events. */
import { ApiRoutes, type ConfigHealthDto } from "@fawkes/protocol";
import { createContext, useContext } from "react";
import { affects } from "../live/event-match.ts";
import { useResource, type Resource } from "../live/use-resource.ts";

export const ConfigHealthContext = createContext<Resource<ConfigHealthDto> | null>(null);

export function useConfigHealthResource(): Resource<ConfigHealthDto> {
  return useResource<ConfigHealthDto>(ApiRoutes.configErrors, affects.config);
}

export function useConfigHealth(): Resource<ConfigHealthDto> {
  const health = useContext(ConfigHealthContext);
  if (health === null) throw new Error("useConfigHealth outside ConfigHealthContext");
  return health;
}

/** `file:line:column` as compilers print it (editors and terminals link it). */
export function issueLocation(issue: { file: string; line: number; column: number }): string {
  return `${issue.file}:${issue.line}:${issue.column}`;
}

/**
 * What the config errors do to pipelines, from ConfigIssueDto.lastValid: those that keep running their last
 * valid version (they exist: link them), and names that never had a valid version (no page: plain text).
 * `known` is false for a server that does not send lastValid (then every name is taken to exist).
 */
export function affectedPipelines(errors: ConfigHealthDto["errors"]): {
  known: boolean;
  kept: string[];
  notLoaded: string[];
} {
  const known = errors.every((issue) => issue.lastValid !== undefined);
  const kept = new Set<string>();
  const notLoaded = new Set<string>();
  for (const issue of errors) {
    for (const name of issue.lastValid ?? issue.pipelines) kept.add(name);
    if (issue.lastValid !== undefined)
      for (const name of issue.pipelines) if (!issue.lastValid.includes(name)) notLoaded.add(name);
  }
  for (const name of kept) notLoaded.delete(name);
  return { known, kept: [...kept].sort(), notLoaded: [...notLoaded].sort() };
}

/** `a`, `a and b`, `a, b and c`, `a, b, c and 2 more`. */
export function nameList(names: readonly string[]): string {
  const shown = names.length > 4 ? [...names.slice(0, 3), `${names.length - 3} more`] : [...names];
  return shown.length <= 1 ? (shown[0] ?? "") : `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
}
