/**
 * The Audit page's filter: kept in the page's URL (`/audit?action=pipeline.*&since=24h`), so a filtered view
 * can be bookmarked and shared, and turned into the API's query (pure, so node:test covers it).
 */
import { ApiRoutes, AUDIT_ACTIONS } from "@fawkes/protocol";

export interface AuditFilter {
  actor: string;
  /** An action, a family (`pipeline.*`), or "" for any. */
  action: string;
  target: string;
  /** One of {@link SINCE_CHOICES}' values, "" for any time. */
  since: string;
}

export const EMPTY_FILTER: AuditFilter = Object.freeze({ actor: "", action: "", target: "", since: "" });

export const SINCE_CHOICES: readonly { value: string; label: string; ms: number }[] = [
  { value: "1h", label: "Last hour", ms: 3_600_000 },
  { value: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { value: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { value: "30d", label: "Last 30 days", ms: 30 * 86_400_000 },
];

/** The action choices: each family (`pipeline.*`) followed by its actions. */
export function actionChoices(): { value: string; label: string }[] {
  const choices: { value: string; label: string }[] = [];
  for (const action of AUDIT_ACTIONS) {
    const family = `${action.slice(0, action.indexOf("."))}.*`;
    if (!choices.some((choice) => choice.value === family))
      choices.push({ value: family, label: `${family} (all)` });
    choices.push({ value: action, label: action });
  }
  return choices;
}

export function filterFromSearch(search: string): AuditFilter {
  const query = new URLSearchParams(search);
  const since = query.get("since") ?? "";
  return {
    actor: query.get("actor") ?? "",
    action: query.get("action") ?? "",
    target: query.get("target") ?? "",
    since: SINCE_CHOICES.some((choice) => choice.value === since) ? since : "",
  };
}

/** The page's own query string: only the fields set, `""` when none is. */
export function searchOfFilter(filter: AuditFilter): string {
  const query = new URLSearchParams();
  for (const key of ["actor", "action", "target", "since"] as const) {
    const value = filter[key].trim();
    if (value !== "") query.set(key, value);
  }
  const text = query.toString();
  return text === "" ? "" : `?${text}`;
}

/** The API path for one page of `filter`, `since` resolved against `now`; `before` is the paging cursor. */
export function auditApiPath(filter: AuditFilter, now: number, before?: number): string {
  const query = new URLSearchParams();
  for (const key of ["actor", "action", "target"] as const) {
    const value = filter[key].trim();
    if (value !== "") query.set(key, value);
  }
  const since = SINCE_CHOICES.find((choice) => choice.value === filter.since);
  if (since) query.set("since", String(now - since.ms));
  query.set("limit", String(AUDIT_PAGE_SIZE));
  if (before !== undefined) query.set("before", String(before));
  return `${ApiRoutes.audit}?${query.toString()}`;
}

/** Entries per page of the table ("Show older" loads the next). */
export const AUDIT_PAGE_SIZE = 100;

/** Details in one line: `key=value`, values that are not plain strings as JSON. */
export function formatDetails(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
}
