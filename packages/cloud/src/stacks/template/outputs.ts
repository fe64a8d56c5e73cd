/** The values of a stack's outputs, once its resources exist. */
import { resourcesInScope } from "./conditions.ts";
import { childPath, ErrorCollector } from "./model.ts";
import type { ParsedTemplate } from "./model.ts";
import { resolveValue } from "./resolve.ts";
import type { EvalContext } from "./resolve.ts";

export interface StackOutput {
  key: string;
  value: string;
  description?: string;
  exportName?: string;
}

/** Outputs in scope (their condition true), evaluated; `ctx.conditions` must be the stack's conditions. */
export function outputs(t: ParsedTemplate, ctx: EvalContext): StackOutput[] {
  const conditions = new Map<string, boolean>();
  for (const name of Object.keys(t.body.Conditions ?? {})) {
    const value = ctx.conditions.get(name);
    if (value !== undefined) conditions.set(name, value);
  }
  const context = ctx.template === undefined ? { ...ctx, template: t } : ctx;
  return Object.entries(resourcesInScope(t, conditions).outputs).map(([key, output]) => {
    const path = childPath("Outputs", key);
    const exportPath = childPath(childPath(path, "Export"), "Name");
    const exportName =
      output.Export === undefined
        ? undefined
        : stringOf(
            resolveValue(output.Export.Name, context, exportPath),
            t,
            exportPath,
            `the export name of output ${key}`,
          );
    const value = stringOf(
      resolveValue(output.Value, context, childPath(path, "Value")),
      t,
      childPath(path, "Value"),
      `the Value of output ${key}`,
    );
    return {
      key,
      value,
      ...(output.Description === undefined ? {} : { description: output.Description }),
      ...(exportName === undefined ? {} : { exportName }),
    };
  });
}

function stringOf(value: unknown, t: ParsedTemplate, path: string, what: string): string {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return String(value);
  const errors = new ErrorCollector(t);
  errors.add(path, `${what} must evaluate to a string`);
  errors.throwIfAny();
  return "";
}
