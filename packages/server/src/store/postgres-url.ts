/**
 * What the store needs to know of a PostgreSQL URL without loading the PostgreSQL client: postgres.ts (and `pg`
 * with it, a few MiB) is imported only when the server's database is one.
 */
export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** `host:port/database`: what errors and logs name (never the password the URL may carry). */
export function describePostgresUrl(url: string): string {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "(default)";
  return `${parsed.hostname || "localhost"}:${parsed.port || "5432"}/${database}`;
}
