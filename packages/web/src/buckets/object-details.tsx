import type { ObjectDetailsDto } from "@fawkes/protocol";
import { useEffect, useRef } from "react";
import { bucketApi } from "../api/buckets.ts";
import { formatDateTime } from "../format/time.ts";
import { useResource } from "../live/use-resource.ts";
import { Link } from "../router/link.tsx";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { exactSize, formatSize } from "./browse.ts";
import { noServerEvents } from "./no-events.ts";

interface ObjectDetailsProps {
  bucket: string;
  objectKey: string;
  /** Where "Close" goes: the folder without a selected object. */
  closeHref: string;
}

/** The selected object's details, its user metadata and a download link. */
export function ObjectDetails({ bucket, objectKey, closeHref }: ObjectDetailsProps) {
  const { data, error } = useResource<ObjectDetailsDto>(bucketApi.object(bucket, objectKey), noServerEvents);
  const heading = useRef<HTMLHeadingElement>(null);
  // Keyboard and screen-reader users land on the panel they just opened.
  useEffect(() => heading.current?.focus(), []);
  const name =
    objectKey
      .split("/")
      .filter((part) => part !== "")
      .pop() ?? objectKey;
  const metadata = Object.entries(data?.metadata ?? {});
  return (
    <section className="object-details" aria-labelledby="object-details-heading">
      <div className="object-details-header">
        <h2 id="object-details-heading" tabIndex={-1} ref={heading}>
          {name}
        </h2>
        <Link href={closeHref} className="button button-quiet" aria-label="Close the object details">
          Close
        </Link>
      </div>
      {error !== undefined && <LoadError error={error} what="the object" />}
      {data === undefined && error === undefined && <Loading what="the object's details" />}
      {data !== undefined && (
        <>
          <dl className="object-facts">
            <dt>Key</dt>
            <dd>
              <code>{data.key}</code>
            </dd>
            <dt>Size</dt>
            <dd>
              {formatSize(data.size)} <span className="muted">({exactSize(data.size)})</span>
            </dd>
            <dt>Last modified</dt>
            <dd>
              <time dateTime={new Date(data.lastModified).toISOString()}>
                {formatDateTime(data.lastModified)}
              </time>
            </dd>
            <dt>Content type</dt>
            <dd>{data.contentType}</dd>
            <dt>ETag</dt>
            <dd>
              <code>{data.etag}</code>
            </dd>
          </dl>
          <h3>Metadata</h3>
          {metadata.length === 0 ? (
            <p className="muted">No user metadata.</p>
          ) : (
            <table className="data-table metadata-table">
              <caption className="visually-hidden">User metadata of {name}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {metadata.map(([key, value]) => (
                  <tr key={key}>
                    <th scope="row">{key}</th>
                    <td>{value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p>
            <a className="button button-primary" href={bucketApi.download(bucket, objectKey)} download={name}>
              Download <span className="visually-hidden">{name}</span>
            </a>
          </p>
        </>
      )}
    </section>
  );
}
