import type { ReactNode } from "react";
import { Loading, LoadError } from "./page-states.tsx";

/** A list page's heading: the title, how many there are (announced), and the page's commands. */
export function ListHeading({
  title,
  count,
  noun,
  children,
}: {
  title: ReactNode;
  /** Undefined while loading. */
  count: number | undefined;
  /** Singular and plural ("role", "roles"). */
  noun: readonly [string, string];
  children?: ReactNode;
}) {
  return (
    <div className="page-heading">
      <h1>{title}</h1>
      {count !== undefined && (
        <span className="muted" role="status">
          {count} {count === 1 ? noun[0] : noun[1]}
        </span>
      )}
      {children}
    </div>
  );
}

interface ResourceTableProps<T> {
  /** The rows; undefined while loading. */
  items: readonly T[] | undefined;
  error: unknown;
  /** What is loading, for the loading and error texts ("the roles"). */
  what: string;
  /** Shown when there is no row. */
  empty: ReactNode;
  /** The table's caption (for screen readers). */
  caption: string;
  className?: string;
  /** Column headings; an empty string is a visually hidden "Actions". */
  columns: readonly string[];
  row(item: T): ReactNode;
}

/** The loading, error, empty and table states every list page has. */
export function ResourceTable<T>({
  items,
  error,
  what,
  empty,
  caption,
  className,
  columns,
  row,
}: ResourceTableProps<T>) {
  if (error !== undefined) return <LoadError error={error} what={what} />;
  if (items === undefined) return <Loading what={what} />;
  if (items.length === 0) return <p className="empty">{empty}</p>;
  return (
    <div className="table-scroll">
      <table className={`data-table ${className ?? ""}`.trim()}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th key={index} scope="col">
                {column === "" ? <span className="visually-hidden">Actions</span> : column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{items.map(row)}</tbody>
      </table>
    </div>
  );
}
