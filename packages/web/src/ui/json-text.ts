/** Client-side check of a JSON document typed into a form: it must parse, and be an object. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`The ${what} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error(`The ${what} must be a JSON object ({"Version": …, "Statement": […]}).`);
  return parsed as Record<string, unknown>;
}

/** A document as the forms show it: indented two spaces. */
export const jsonText = (document: unknown): string => JSON.stringify(document, null, 2);
