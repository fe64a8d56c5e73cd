import { Link } from "../router/link.tsx";

/** Newer/older pages; the server has no total count, so "older" exists when the page came back full. */
export function Pagination({
  page,
  hasOlder,
  pageHref,
}: {
  page: number;
  hasOlder: boolean;
  pageHref(page: number): string;
}) {
  return (
    <nav className="pagination" aria-label="Run pages">
      {page > 1 ? (
        <Link href={pageHref(page - 1)} rel="prev">
          ← Newer
        </Link>
      ) : (
        <span className="muted">← Newer</span>
      )}
      <span>Page {page}</span>
      {hasOlder ? (
        <Link href={pageHref(page + 1)} rel="next">
          Older →
        </Link>
      ) : (
        <span className="muted">Older →</span>
      )}
    </nav>
  );
}
