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
