/** Conditions and what they keep in scope: resources and outputs whose `Condition` is false are dropped. */
import { childPath, ErrorCollector, isRecord } from "./model.ts";
import type { OutputDefinition, ParsedTemplate, ResourceDefinition } from "./model.ts";
import { resolveCondition } from "./resolve.ts";
import type { EvalContext } from "./resolve.ts";

/** What conditions may use: parameters, pseudo-parameters and mappings (never resources). */
export type ConditionContext = Pick<EvalContext, "parameters" | "pseudo"> & Partial<Pick<EvalContext, "azs">>;

const noResources = (what: string) => (): never => {
  throw new Error(`conditions cannot use ${what}`);
};

/** The value of every condition of the template, each evaluated once; a cycle is an error naming it. */
export function evaluateConditions(t: ParsedTemplate, ctx: ConditionContext): Map<string, boolean> {
  const definitions = t.body.Conditions ?? {};
  const values = new Map<string, boolean>();
  const evaluating: string[] = [];
  const errors = new ErrorCollector(t);
  const lookup = {
    get(name: string): boolean | undefined {
      if (values.has(name)) return values.get(name);
      if (!Object.hasOwn(definitions, name)) return undefined;
      if (evaluating.includes(name))
        throw new Error(
          `circular condition: ${[...evaluating.slice(evaluating.indexOf(name)), name].join(" → ")}`,
        );
      evaluating.push(name);
      try {
        const value = resolveCondition(definitions[name], evalContext, childPath("Conditions", name));
        if (typeof value !== "boolean") throw new Error(`condition ${name} is not a condition function`);
        values.set(name, value);
        return value;
      } finally {
        evaluating.pop();
      }
    },
  };
  const evalContext: EvalContext = {
    parameters: ctx.parameters,
    pseudo: ctx.pseudo,
    conditions: lookup,
    mappings: t.body.Mappings ?? {},
    ref: (name) => {
      throw new Error(`Ref ${name}: conditions can only use parameters and pseudo-parameters`);
    },
    getAtt: noResources("Fn::GetAtt"),
    importValue: noResources("Fn::ImportValue"),
    azs: ctx.azs ?? noResources("Fn::GetAZs"),
    template: t,
  };
  for (const name of Object.keys(definitions)) {
    try {
      lookup.get(name);
    } catch (error) {
      const message = (error as Error).message;
      if ("errors" in (error as object)) throw error;
      errors.add(childPath("Conditions", name), message);
      break;
    }
  }
  errors.throwIfAny();
  return values;
}

/** Whether an entry with this `Condition` attribute is in scope. */
function inScope(condition: unknown, conditions: ReadonlyMap<string, boolean>): boolean {
  return typeof condition !== "string" || conditions.get(condition) !== false;
}

/** Resources and outputs whose condition (if any) is true. */
export function resourcesInScope(
  t: ParsedTemplate,
  conditions: ReadonlyMap<string, boolean>,
): { resources: Record<string, ResourceDefinition>; outputs: Record<string, OutputDefinition> } {
  const keep = <T>(section: Record<string, T> | undefined): Record<string, T> =>
    Object.fromEntries(
      Object.entries(section ?? {}).filter(
        ([, entry]) => isRecord(entry) && inScope(entry.Condition, conditions),
      ),
    );
  return { resources: keep(t.body.Resources), outputs: keep(t.body.Outputs) };
}
