/** Checks of a resource's own attributes: `Type`, `Properties`, `DependsOn`, `Condition` and the policies. */
import { childPath, isRecord } from "./model.ts";
import type { ErrorCollector } from "./model.ts";
import type { ResourceTypeRegistry } from "./resource-types.ts";

const resourceKeys = new Set([
  "Type",
  "Properties",
  "DependsOn",
  "Condition",
  "Metadata",
  "CreationPolicy",
  "UpdatePolicy",
  "DeletionPolicy",
  "UpdateReplacePolicy",
]);

/** The deletion policies the engine honours; `Snapshot` needs a snapshotting type, which none of ours is. */
export const deletionPolicies = ["Delete", "Retain"] as const;

/** ISO 8601 duration as `ResourceSignal.Timeout` takes it: `PT15M`, `PT1H30M`, `PT45S`. */
const duration = /^PT(?=\d)(\d+H)?(\d+M)?(\d+S)?$/;

export function checkResourceAttributes(
  name: string,
  resource: Record<string, unknown>,
  path: string,
  errors: ErrorCollector,
  conditions: Record<string, unknown>,
  types: ResourceTypeRegistry,
): void {
  for (const key of Object.keys(resource))
    if (!resourceKeys.has(key))
      errors.add(childPath(path, key), `Invalid template resource property '${key}'`);
  if (resource.Type === undefined) errors.add(path, `resource ${name} must contain a Type member`);
  else if (typeof resource.Type !== "string") errors.add(childPath(path, "Type"), "Type must be a string");
  if (resource.Properties !== undefined && !isRecord(resource.Properties))
    errors.add(childPath(path, "Properties"), "Properties must be an object");
  const dependsOn = resource.DependsOn;
  if (dependsOn !== undefined) {
    const valid =
      typeof dependsOn === "string" ||
      (Array.isArray(dependsOn) && dependsOn.every((d) => typeof d === "string"));
    if (!valid)
      errors.add(childPath(path, "DependsOn"), "DependsOn must be a resource name or a list of them");
    else if ([dependsOn].flat().includes(name))
      errors.add(childPath(path, "DependsOn"), `${name} depends on itself`);
  }
  if (resource.Condition !== undefined)
    if (typeof resource.Condition !== "string" || !Object.hasOwn(conditions, resource.Condition))
      errors.add(childPath(path, "Condition"), `Condition ${String(resource.Condition)} is not defined`);
  for (const key of ["DeletionPolicy", "UpdateReplacePolicy"]) {
    const policy = resource[key];
    if (policy !== undefined && !deletionPolicies.includes(policy as "Delete"))
      errors.add(childPath(path, key), `${key} must be Delete or Retain, not ${JSON.stringify(policy)}`);
  }
  if (resource.UpdatePolicy !== undefined && !isRecord(resource.UpdatePolicy))
    errors.add(childPath(path, "UpdatePolicy"), "UpdatePolicy must be an object");
  if (resource.CreationPolicy !== undefined) {
    const at = childPath(path, "CreationPolicy");
    const spec = typeof resource.Type === "string" ? types.get(resource.Type) : undefined;
    if (spec !== undefined && !spec.creationPolicy)
      errors.add(at, `CreationPolicy does not apply to ${spec.type} (only to instances and wait conditions)`);
    for (const problem of creationPolicyProblems(resource.CreationPolicy)) errors.add(at, problem);
  } else if (resource.Type === "AWS::CloudFormation::WaitCondition")
    for (const problem of waitConditionProblems(isRecord(resource.Properties) ? resource.Properties : {}))
      errors.add(childPath(path, "Properties"), `${name}: ${problem}`);
}

/** A wait condition without a CreationPolicy waits on its `Handle` for `Count` signals, `Timeout` seconds. */
function waitConditionProblems(props: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (props.Handle === undefined || props.Timeout === undefined)
    problems.push("a WaitCondition without a CreationPolicy needs Handle and Timeout");
  const literal = (value: unknown) => typeof value === "string" || typeof value === "number";
  const timeout = Number(props.Timeout);
  if (literal(props.Timeout) && !(Number.isInteger(timeout) && timeout >= 1 && timeout <= 43_200))
    problems.push("Timeout must be a whole number of seconds from 1 to 43200 (12 hours)");
  const count = Number(props.Count);
  if (literal(props.Count) && !(Number.isInteger(count) && count >= 1))
    problems.push("Count must be a whole number of signals, at least 1");
  return problems;
}

function creationPolicyProblems(policy: unknown): string[] {
  if (!isRecord(policy)) return ["CreationPolicy must be an object"];
  const problems = Object.keys(policy)
    .filter((key) => key !== "ResourceSignal")
    .map((key) => `CreationPolicy.${key} is not supported (only ResourceSignal)`);
  const signal = policy.ResourceSignal;
  if (signal === undefined) return problems;
  if (!isRecord(signal)) return [...problems, "ResourceSignal must be an object"];
  for (const key of Object.keys(signal))
    if (key !== "Count" && key !== "Timeout") problems.push(`ResourceSignal.${key} is not supported`);
  const count = signal.Count;
  if (count !== undefined && !(Number.isInteger(Number(count)) && Number(count) >= 1))
    problems.push("ResourceSignal.Count must be a whole number of signals, at least 1");
  const timeout = signal.Timeout;
  if (timeout !== undefined && !(typeof timeout === "string" && duration.test(timeout)))
    problems.push("ResourceSignal.Timeout must be an ISO 8601 duration such as PT15M (at most PT12H)");
  else if (typeof timeout === "string" && signalTimeoutMs(timeout) > 12 * 3600_000)
    problems.push("ResourceSignal.Timeout must be at most PT12H");
  return problems;
}

/** `PT1H30M` → milliseconds. */
export function signalTimeoutMs(timeout: string): number {
  const match = duration.exec(timeout);
  if (!match) return Number.NaN;
  const [, h, m, s] = match;
  return ((parseInt(h ?? "0") * 60 + parseInt(m ?? "0")) * 60 + parseInt(s ?? "0")) * 1000;
}
