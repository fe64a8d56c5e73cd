/** The Buckets page's reads: paths of the browse API (object keys always in the query) and the paged listing. */
import { ApiRoutes, apiPath, type ObjectListDto } from "@fawkes/protocol";
import { getJson } from "./http.ts";

function withQuery(path: string, query: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== "") search.set(name, value);
  const text = search.toString();
  return text === "" ? path : `${path}?${text}`;
}

export const bucketApi = {
  objects: (bucket: string, prefix: string, continuation?: string): string =>
    withQuery(apiPath(ApiRoutes.bucketObjects, { bucket }), { prefix, continuation }),
  object: (bucket: string, key: string): string =>
    withQuery(apiPath(ApiRoutes.bucketObject, { bucket }), { key }),
  download: (bucket: string, key: string): string =>
    withQuery(apiPath(ApiRoutes.bucketDownload, { bucket }), { key }),
};

/** The page of a listing after `continuation`. */
export function fetchObjectsPage(
  bucket: string,
  prefix: string,
  continuation: string,
): Promise<ObjectListDto> {
  return getJson<ObjectListDto>(bucketApi.objects(bucket, prefix, continuation));
}
