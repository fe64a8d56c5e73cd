/**
 * Which values of a run's snapshot are secrets, and how they sit in the database: each is replaced, inside
 * the JSON text, by one string `fawkes:sealed:v1:<base64>` (AES-256-GCM under the data key, bound to the
 * column). Only the secrets are sealed, so the rest of a snapshot stays readable for debugging, and a
 * snapshot without secrets costs nothing to read.
 *
 * Secrets: values of secure variables (at every level of the config), webhook secrets, git URLs that carry
 * user info, and every variable value given at trigger time (whether a trigger value is secret depends on
 * every level a variable may be declared at, environments included, which the snapshot does not hold: sealing
 * them all is never wrong). Any other string that contains the marker is sealed too, so that the marker in
 * stored text always starts a sealed value and reading never mistakes user text for one.
 */
import { openSecret, sealSecret } from "../cloud/secret-box.ts";

const MARK = "fawkes:sealed:v1:";
const sealedString = /"fawkes:sealed:v1:([A-Za-z0-9+/=]*)"/g;
const userInfo = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*@/i;

export const CONFIG_BINDING = "pipeline_runs.config_json";
export const VARIABLES_BINDING = "pipeline_runs.variables_json";

export const hasSealedValues = (text: string): boolean => text.includes(MARK);

/** Not idempotent on purpose: what reaches a write is always plain (reads open), even text that looks sealed. */
const seal = (dataKey: Buffer, value: string, boundTo: string): string =>
  MARK + sealSecret(dataKey, value, boundTo);

/** A run's config snapshot (JSON text) with its secrets sealed. */
export function sealConfigJson(dataKey: Buffer, json: string): string {
  const sealIn = (value: unknown): unknown => {
    if (typeof value === "string") return value.includes(MARK) ? seal(dataKey, value, CONFIG_BINDING) : value;
    if (Array.isArray(value)) return value.map(sealIn);
    if (value === null || typeof value !== "object") return value;
    const object = value as Record<string, unknown>;
    const sealed: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(object)) {
      const secret =
        typeof field === "string" &&
        ((key === "value" && object["secure"] === true) ||
          key === "webhookSecret" ||
          (key === "url" && object["type"] === "git" && userInfo.test(field)));
      sealed[key] = secret ? seal(dataKey, field, CONFIG_BINDING) : sealIn(field);
    }
    return sealed;
  };
  return JSON.stringify(sealIn(JSON.parse(json)));
}

/** Trigger-time variables (JSON object name → value) with every value sealed. */
export function sealVariablesJson(dataKey: Buffer, json: string): string {
  const variables = JSON.parse(json) as Record<string, unknown>;
  const sealed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(variables))
    sealed[name] = typeof value === "string" ? seal(dataKey, value, VARIABLES_BINDING) : value;
  return JSON.stringify(sealed);
}

/** The JSON text with every sealed value opened; throws when the data key is not the one that sealed it. */
export function openSealedJson(dataKey: Buffer, json: string, boundTo: string): string {
  if (!hasSealedValues(json)) return json;
  return json.replace(sealedString, (_match, sealed: string) =>
    JSON.stringify(openSecret(dataKey, sealed, boundTo)),
  );
}
