/**
 * Dependencies between resources: explicit `DependsOn` plus the implicit ones of `Ref`, `Fn::GetAtt` and
 * `Fn::Sub` (`${Res}`, `${Res.Attr}`; not `${!Literal}` nor the variables of its own map). Resources that do not
 * depend on each other are created in the same wave; deletion runs the waves in reverse.
 */
import { resourcesInScope } from "./conditions.ts";
import { getAttArgs, walkIntrinsics } from "./intrinsics.ts";
import { childPath, ErrorCollector, isRecord } from "./model.ts";
import type { ParsedTemplate } from "./model.ts";
import { parseSub, splitSubVariable } from "./sub.ts";

export interface Reference {
  kind: "Ref" | "Fn::GetAtt" | "Fn::Sub";
  /** The logical name referenced: a resource, a parameter or a pseudo-parameter. */
  target: string;
  attribute?: string;
  /** Path of the call's arguments (`….Ref`, `….Fn::Sub`). */
  path: string;
}

/**
 * Every name that `value` references through `Ref`, `Fn::GetAtt` and `Fn::Sub`; given the conditions, only in the
 * branches of `Fn::If` they pick.
 */
export function referencesOf(
  value: unknown,
  path: string,
  conditions?: ReadonlyMap<string, boolean>,
): Reference[] {
  const found: Reference[] = [];
  for (const event of walkIntrinsics(value, path, false, conditions)) {
    if (event.kind !== "call") continue;
    const { call } = event;
    const at = childPath(event.path, call.name);
    if (call.name === "Ref" && typeof call.args === "string")
      found.push({ kind: "Ref", target: call.args, path: at });
    if (call.name === "Fn::GetAtt") {
      const args = call.args;
      const valid =
        (typeof args === "string" && args.includes(".")) ||
        (Array.isArray(args) && typeof args[0] === "string" && typeof args[1] === "string");
      if (!valid) continue;
      const [target, attribute] = getAttArgs(args);
      found.push({ kind: "Fn::GetAtt", target, attribute, path: at });
    }
    if (call.name === "Fn::Sub") {
      const args = call.args;
      const text = typeof args === "string" ? args : Array.isArray(args) ? args[0] : undefined;
      if (typeof text !== "string") continue;
      const own = Array.isArray(args) && isRecord(args[1]) ? args[1] : {};
      for (const part of parseSub(text)) {
        if (!("variable" in part) || Object.hasOwn(own, part.variable)) continue;
        const [target, attribute] = splitSubVariable(part.variable);
        found.push({ kind: "Fn::Sub", target, ...(attribute === undefined ? {} : { attribute }), path: at });
      }
    }
  }
  return found;
}

/** `DependsOn` as a list of names (a string or a list of strings). */
export function dependsOnList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

export interface DependencyGraph {
  /** Each resource in scope → the resources (in scope) it depends on. */
  dependsOn: Map<string, Set<string>>;
  /** Resources in creation order: each wave depends only on earlier waves. Deletion runs them in reverse. */
  creationWaves(): string[][];
  /** `creationWaves()` reversed: dependents are deleted before what they depend on. */
  deletionWaves(): string[][];
}

/**
 * Direct dependencies of every resource in `names`, restricted to `names`. A reference to a resource of the
 * template outside `names` (its condition false) is reported to `outOfScope`, with the path naming it.
 */
export function directDependencies(
  resources: Record<string, unknown>,
  names: ReadonlySet<string>,
  conditions?: ReadonlyMap<string, boolean>,
  outOfScope: (path: string, target: string) => void = () => {},
): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const add = (deps: Set<string>, target: string, path: string): void => {
    if (names.has(target)) deps.add(target);
    else if (Object.hasOwn(resources, target)) outOfScope(path, target);
  };
  for (const name of names) {
    const resource = resources[name];
    const deps = new Set<string>();
    if (isRecord(resource)) {
      const path = childPath("Resources", name);
      for (const dep of dependsOnList(resource.DependsOn)) add(deps, dep, childPath(path, "DependsOn"));
      for (const ref of referencesOf(resource.Properties, childPath(path, "Properties"), conditions))
        add(deps, ref.target, ref.path);
    }
    graph.set(name, deps);
  }
  return graph;
}

/** A cycle in `graph`, as the list of names around it (first = last), or undefined. */
export function findCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  for (const start of [...graph.keys()].sort()) {
    if (state.has(start)) continue;
    const stack: { name: string; deps: string[] }[] = [
      { name: start, deps: [...(graph.get(start) ?? [])].sort() },
    ];
    state.set(start, "open");
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = top.deps.shift();
      if (next === undefined) {
        state.set(top.name, "done");
        stack.pop();
        continue;
      }
      if (state.get(next) === "open") {
        const names = stack.map((frame) => frame.name);
        return [...names.slice(names.indexOf(next)), next];
      }
      if (state.has(next)) continue;
      state.set(next, "open");
      stack.push({ name: next, deps: [...(graph.get(next) ?? [])].sort() });
    }
  }
  return undefined;
}

export function cycleMessage(cycle: readonly string[]): string {
  return `Circular dependency between resources: ${cycle.join(" → ")}`;
}

/** Waves of `graph` (which must have no cycle), each sorted by name. */
export function waves(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const placed = new Set<string>();
  const result: string[][] = [];
  let remaining = [...graph.keys()].sort();
  while (remaining.length > 0) {
    const wave = remaining.filter((name) => [...graph.get(name)!].every((dep) => placed.has(dep)));
    if (wave.length === 0) throw new Error(cycleMessage(findCycle(graph) ?? remaining));
    for (const name of wave) placed.add(name);
    result.push(wave);
    remaining = remaining.filter((name) => !placed.has(name));
  }
  return result;
}

/**
 * The dependency graph of the resources in scope under `conditions`. A cycle is an error naming it, and so is a
 * resource or output in scope that needs one out of scope (outside an `Fn::If` branch not taken).
 */
export function dependencyGraph(
  t: ParsedTemplate,
  conditions: ReadonlyMap<string, boolean>,
): DependencyGraph {
  const all = t.body.Resources ?? {};
  const inScope = resourcesInScope(t, conditions);
  const names = new Set(Object.keys(inScope.resources));
  const errors = new ErrorCollector(t);
  const outOfScope = (path: string, target: string): void =>
    errors.add(
      path,
      `Unresolved resource dependencies [${target}]: its condition is false, so it is not created`,
    );
  const graph = directDependencies(all, names, conditions, outOfScope);
  for (const [key, output] of Object.entries(inScope.outputs))
    for (const ref of referencesOf(output, childPath("Outputs", key), conditions))
      if (!names.has(ref.target) && Object.hasOwn(all, ref.target)) outOfScope(ref.path, ref.target);
  const cycle = findCycle(graph);
  if (cycle !== undefined) errors.add(childPath("Resources", cycle[0]!), cycleMessage(cycle));
  errors.throwIfAny();
  return { dependsOn: graph, creationWaves: () => waves(graph), deletionWaves: () => waves(graph).reverse() };
}
