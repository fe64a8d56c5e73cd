import { Link } from "../router/link.tsx";
import { href } from "../router/routes.ts";
import { FolderIcon } from "../ui/folder-icon.tsx";
import { Loading, LoadError } from "../ui/page-states.tsx";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { formatDateTime } from "../format/time.ts";
import { formatSize, exactSize, nameInFolder, prefixCrumbs } from "./browse.ts";
import { ObjectDetails } from "./object-details.tsx";
import { useObjectPages } from "./use-object-pages.ts";
import "./buckets.css";

interface BucketPageProps {
  bucket: string;
  prefix: string;
  /** The object whose details panel is open. */
  selectedKey: string | undefined;
}

/** One "folder" of a bucket: sub-folders (common prefixes) first, then objects, 200 at a time. */
export function BucketPage({ bucket, prefix, selectedKey }: BucketPageProps) {
  useDocumentTitle(prefix === "" ? bucket : `${prefix} · ${bucket}`);
  const { listing, error, loadingMore, moreError, loadMore } = useObjectPages(bucket, prefix);
  const crumbs = prefixCrumbs(prefix);
  const folders = listing?.prefixes.length ?? 0;
  const objects = listing?.objects.length ?? 0;
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href={href.buckets()}>Buckets</Link> <span aria-hidden="true">/</span>{" "}
        {crumbs.length === 0 ? (
          <span aria-current="page">{bucket}</span>
        ) : (
          <Link href={href.bucket(bucket)}>{bucket}</Link>
        )}
        {crumbs.map((crumb, index) => (
          <span key={crumb.prefix}>
            {" "}
            <span aria-hidden="true">/</span>{" "}
            {index === crumbs.length - 1 ? (
              <span aria-current="page">{crumb.label}</span>
            ) : (
              <Link href={href.bucket(bucket, crumb.prefix)}>{crumb.label}</Link>
            )}
          </span>
        ))}
      </nav>
      <div className="page-heading">
        <h1>
          {bucket}
          {prefix !== "" && <span className="muted bucket-prefix"> / {prefix}</span>}
        </h1>
        {listing !== undefined && (
          <span className="muted" role="status">
            {folders} folder{folders === 1 ? "" : "s"}, {objects} object{objects === 1 ? "" : "s"}
            {listing.nextContinuation !== null && " (more to load)"}
          </span>
        )}
      </div>
      <div className={selectedKey === undefined ? "bucket-browser" : "bucket-browser with-details"}>
        <div className="bucket-listing">
          {error !== undefined && <LoadError error={error} what={`bucket ${bucket}`} />}
          {listing === undefined && error === undefined && <Loading what="objects" />}
          {listing !== undefined && folders + objects === 0 && (
            <p className="empty">{prefix === "" ? "This bucket is empty." : "Nothing under this prefix."}</p>
          )}
          {listing !== undefined && folders + objects > 0 && (
            <div className="table-scroll">
              <table className="data-table objects-table">
                <caption className="visually-hidden">
                  Folders and objects in {bucket}
                  {prefix !== "" && ` under ${prefix}`}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Size</th>
                    <th scope="col">Last modified</th>
                  </tr>
                </thead>
                <tbody>
                  {listing.prefixes.map((folder) => (
                    <tr key={`p:${folder}`} data-prefix={folder}>
                      <th scope="row">
                        <Link href={href.bucket(bucket, folder)} className="folder-link">
                          <FolderIcon /> {nameInFolder(folder, prefix)}
                        </Link>
                      </th>
                      <td className="muted">Folder</td>
                      <td />
                    </tr>
                  ))}
                  {listing.objects.map((object) => (
                    <tr
                      key={`o:${object.key}`}
                      data-key={object.key}
                      aria-selected={object.key === selectedKey ? true : undefined}
                    >
                      <th scope="row">
                        <Link
                          href={href.bucket(bucket, prefix, object.key)}
                          aria-current={object.key === selectedKey ? "true" : undefined}
                        >
                          {nameInFolder(object.key, prefix)}
                        </Link>
                      </th>
                      <td title={exactSize(object.size)}>{formatSize(object.size)}</td>
                      <td>
                        <time dateTime={new Date(object.lastModified).toISOString()}>
                          {formatDateTime(object.lastModified)}
                        </time>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {listing?.nextContinuation != null && (
            <p>
              <button
                type="button"
                className="button"
                onClick={loadMore}
                disabled={loadingMore}
                aria-busy={loadingMore}
              >
                {loadingMore ? "Loading…" : "Load more"}
              </button>
            </p>
          )}
          {moreError !== undefined && (
            <p className="notice notice-error" role="alert">
              Could not load more objects. {moreError}
            </p>
          )}
        </div>
        {selectedKey !== undefined && (
          <ObjectDetails
            key={selectedKey}
            bucket={bucket}
            objectKey={selectedKey}
            closeHref={href.bucket(bucket, prefix)}
          />
        )}
      </div>
    </>
  );
}
