import { ApiRoutes, type BucketListDto } from "@fawkes/protocol";
import { formatDateTime } from "../format/time.ts";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { noServerEvents } from "./no-events.ts";

/** The cloud endpoint's buckets; each opens its top level. */
export function BucketsPage() {
  useDocumentTitle("Buckets");
  const { data, error } = useResource<BucketListDto>(ApiRoutes.buckets, noServerEvents);
  const count = data?.buckets.length ?? 0;
  return (
    <>
      <div className="page-heading">
        <h1>Buckets</h1>
        {data !== undefined && (
          <span className="muted" role="status">
            {count} bucket{count === 1 ? "" : "s"}
          </span>
        )}
      </div>
      {error !== undefined && <LoadError error={error} what="the buckets" />}
      {data === undefined && error === undefined && <Loading what="buckets" />}
      {data !== undefined && count === 0 && (
        <p className="empty">
          No bucket yet. Jobs get credentials for the cloud endpoint: <code>aws s3 mb s3://releases</code>{" "}
          makes one.
        </p>
      )}
      {data !== undefined && count > 0 && (
        <div className="table-scroll">
          <table className="data-table buckets-table">
            <caption className="visually-hidden">Buckets</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {data.buckets.map((bucket) => (
                <tr key={bucket.name} data-bucket={bucket.name}>
                  <th scope="row">
                    <Link href={href.bucket(bucket.name)}>{bucket.name}</Link>
                  </th>
                  <td>
                    <time dateTime={new Date(bucket.createdAt).toISOString()}>
                      {formatDateTime(bucket.createdAt)}
                    </time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
