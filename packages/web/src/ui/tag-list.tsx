import { Fragment } from "react";

/** Tags as `key=value`, comma-separated; "None" when there is none. */
export function TagList({ tags }: { tags: readonly (readonly [string, string])[] }) {
  if (tags.length === 0) return <span className="muted">None</span>;
  return tags.map(([key, value], index) => (
    <Fragment key={key}>
      {index > 0 && ", "}
      <code>
        {key}={value}
      </code>
    </Fragment>
  ));
}
