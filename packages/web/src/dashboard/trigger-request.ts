/** The "Trigger with options" form as a TriggerRequest (pure: tested under node:test). */
import type { TriggerRequest } from "@fawkes/protocol";

export interface VariableRow {
  name: string;
  value: string;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Empty revision fields mean "latest"; rows with an empty name are ignored. Errors name the offending input
 * (the server would reject the same request, with a less specific message).
 */
export function buildTriggerRequest(
  revisions: Record<string, string>,
  variables: readonly VariableRow[],
): { request: TriggerRequest; errors: string[] } {
  const request: TriggerRequest = { revisions: {}, variables: {} };
  const errors: string[] = [];
  for (const [material, revision] of Object.entries(revisions)) {
    const trimmed = revision.trim();
    if (trimmed !== "") request.revisions[material] = trimmed;
  }
  for (const row of variables) {
    const name = row.name.trim();
    if (name === "") continue;
    if (!VARIABLE_NAME.test(name))
      errors.push(`"${name}" is not a valid variable name (letters, digits, _).`);
    else if (name in request.variables) errors.push(`Variable ${name} is given twice.`);
    else request.variables[name] = row.value;
  }
  return { request, errors };
}
