import { ApiRoutes, type BucketListDto } from "@fawkes/protocol";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { DateTime } from "../ui/date-time.tsx";
import { ListHeading, ResourceTable } from "../ui/resource-table.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { noServerEvents } from "./no-events.ts";

/** The cloud endpoint's buckets; each opens its top level. */
export function BucketsPage() {
  useDocumentTitle("Buckets");
  const { data, error } = useResource<BucketListDto>(ApiRoutes.buckets, noServerEvents);
  return (
    <>
      <ListHeading title="Buckets" count={data?.buckets.length} noun={["bucket", "buckets"]} />
      <ResourceTable
        items={data?.buckets}
        error={error}
        what="the buckets"
        empty={
          <>
            No bucket yet. Jobs get credentials for the cloud endpoint: <code>aws s3 mb s3://releases</code>{" "}
            makes one.
          </>
        }
        caption="Buckets"
        className="buckets-table"
        columns={["Name", "Created"]}
        row={(bucket) => (
          <tr key={bucket.name} data-bucket={bucket.name}>
            <th scope="row">
              <Link href={href.bucket(bucket.name)}>{bucket.name}</Link>
            </th>
            <td>
              <DateTime time={bucket.createdAt} />
            </td>
          </tr>
        )}
      />
    </>
  );
}
