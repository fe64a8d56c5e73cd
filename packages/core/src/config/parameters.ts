/** GoCD parameters: `#{name}` in any string value of a pipeline (and its template's stages); `##` is a `#`. */
import type { PathSegment } from "./yaml-source.ts";

const parameterPattern = /##|#\{([^}]*)\}/g;
const parameterName = /^[A-Za-z0-9_.-]+$/;

export interface ParameterError {
  path: PathSegment[];
  message: string;
}

/** Substitutes parameters in one string; returns the errors instead of throwing. */
export function substituteString(
  text: string,
  parameters: ReadonlyMap<string, string>,
): { value: string; errors: string[] } {
  const errors: string[] = [];
  const value = text.replace(parameterPattern, (match, name: string | undefined) => {
    if (name === undefined) return "#";
    if (!parameterName.test(name)) {
      errors.push(`invalid parameter reference "${match}"`);
      return match;
    }
    const replacement = parameters.get(name);
    if (replacement === undefined) {
      errors.push(`unknown parameter "${name}" in "${text}"`);
      return match;
    }
    return replacement;
  });
  return { value, errors };
}

/**
 * Deep-copies `value` with parameters substituted in every string (map keys are names and stay as written).
 * Errors carry the path of the offending string relative to `value`.
 */
export function substituteParameters<T>(
  value: T,
  parameters: ReadonlyMap<string, string>,
  errors: ParameterError[],
  path: PathSegment[] = [],
): T {
  if (typeof value === "string") {
    const result = substituteString(value, parameters);
    for (const message of result.errors) errors.push({ path, message });
    return result.value as T;
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => substituteParameters(item, parameters, errors, [...path, index])) as T;
  }
  if (value !== null && typeof value === "object") {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      copy[key] = substituteParameters(item, parameters, errors, [...path, key]);
    return copy as T;
  }
  return value;
}

export function isValidParameterName(name: string): boolean {
  return parameterName.test(name);
}
