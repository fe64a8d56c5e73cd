/** The "Trigger with options" form as a TriggerRequest (pure: tested under node:test). */
import type { TriggerRequest, TriggerVariableDto } from "@fawkes/protocol";

/**
 * What a variable's field shows before it is edited: the declared plain value, or nothing (secure, or declared
 * with different values at different levels).
 */
export function initialVariableValue(variable: TriggerVariableDto): string {
  return variable.secure ? "" : (variable.value ?? "");
}

/**
 * Empty revision fields mean "latest". Only the variables the pipeline declares are offered; one is sent only
 * when its field differs from what it first showed, so an untouched field keeps the declared value. An edit of
 * a variable that is no longer offered (the config changed while the form was open) is dropped with its field;
 * if the server's config changed before the list did, the server's 400 names the variable.
 */
export function buildTriggerRequest(
  revisions: Record<string, string>,
  declared: readonly TriggerVariableDto[],
  edits: Readonly<Record<string, string>>,
): TriggerRequest {
  const request: TriggerRequest = { revisions: {}, variables: {} };
  for (const [material, revision] of Object.entries(revisions)) {
    const trimmed = revision.trim();
    if (trimmed !== "") request.revisions[material] = trimmed;
  }
  const byName = new Map(declared.map((variable) => [variable.name, variable]));
  for (const [name, value] of Object.entries(edits)) {
    const variable = byName.get(name);
    if (variable !== undefined && value !== initialVariableValue(variable)) request.variables[name] = value;
  }
  return request;
}
