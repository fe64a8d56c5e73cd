/**
 * A stack's stored templates: the current template and parameter values, and (during and after an update) the
 * previous ones, each sealed with the data key and bound to the stack and its stage; and the one comparison of
 * template documents and resolved properties the update makes (key order does not count).
 */
import { openSecret, sealSecret } from "../cloud/secret-box.ts";
import type { StackPatch, StackRecord } from "../store/stacks-repo.ts";

/** Where a stack's template and parameter values are sealed, and with which binding. */
const templateSeal = (stackId: string, stage: "current" | "previous") =>
  stage === "current"
    ? { template: `${stackId}:template`, parameters: `${stackId}:parameters` }
    : { template: `${stackId}:previous-template`, parameters: `${stackId}:previous-parameters` };

/** The stack's template text and parameter values (current, or the ones an update replaced). */
export function openTemplate(
  dataKey: Buffer,
  stack: StackRecord,
  stage: "current" | "previous",
): { body: string; parameters: Record<string, string> } {
  const sealed =
    stage === "current"
      ? { template: stack.templateSealed, parameters: stack.parametersSealed }
      : { template: stack.previousTemplateSealed, parameters: stack.previousParametersSealed };
  if (sealed.template === null || sealed.parameters === null)
    throw new Error(`stack ${stack.name} has no previous template`);
  const bound = templateSeal(stack.stackId, stage);
  return {
    body: openSecret(dataKey, sealed.template, bound.template),
    parameters: JSON.parse(openSecret(dataKey, sealed.parameters, bound.parameters)) as Record<
      string,
      string
    >,
  };
}

/** The patch that stores `body` and `parameters` as the stack's `stage` template. */
export function sealTemplate(
  dataKey: Buffer,
  stackId: string,
  stage: "current" | "previous",
  body: string,
  parameters: Record<string, string>,
): StackPatch {
  const bound = templateSeal(stackId, stage);
  const template = sealSecret(dataKey, body, bound.template);
  const values = sealSecret(dataKey, JSON.stringify(parameters), bound.parameters);
  return stage === "current"
    ? { templateSealed: template, parametersSealed: values }
    : { previousTemplateSealed: template, previousParametersSealed: values };
}

/** JSON with object keys sorted: two resolved property sets are the same resource when these are equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
