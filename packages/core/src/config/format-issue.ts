import type { ConfigIssue } from "./model.ts";

/** `file:line:column: message`, the form editors and terminals link to. */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`;
}
