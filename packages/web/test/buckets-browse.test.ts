import assert from "node:assert/strict";
import { test } from "node:test";
import { bucketApi } from "../src/api/buckets.ts";
import { exactSize, formatSize, nameInFolder, prefixCrumbs } from "../src/buckets/browse.ts";
import { href, matchRoute } from "../src/router/routes.ts";

test("breadcrumbs: one per folder of the prefix, empty segments named, a typed tail kept", () => {
  assert.deepEqual(prefixCrumbs(""), []);
  assert.deepEqual(prefixCrumbs("app/v1/"), [
    { label: "app", prefix: "app/" },
    { label: "v1", prefix: "app/v1/" },
  ]);
  assert.deepEqual(prefixCrumbs("a//b"), [
    { label: "a", prefix: "a/" },
    { label: "(empty)", prefix: "a//" },
    { label: "b", prefix: "a//b" },
  ]);
  assert.deepEqual(prefixCrumbs("naïve 100% ../"), [{ label: "naïve 100% ..", prefix: "naïve 100% ../" }]);
});

test("names within a folder drop the folder's prefix", () => {
  assert.equal(nameInFolder("app/v1/app.tar.gz", "app/v1/"), "app.tar.gz");
  assert.equal(nameInFolder("app/v1/", "app/"), "v1/");
  assert.equal(nameInFolder("a//", "a/"), "(empty)/");
  assert.equal(nameInFolder("top.txt", ""), "top.txt");
});

test("sizes: short with decimal units, exact with thousands separators", () => {
  assert.equal(formatSize(0), "0 B");
  assert.equal(formatSize(999), "999 B");
  assert.equal(formatSize(1000), "1.0 kB");
  assert.equal(formatSize(70_000), "70 kB");
  assert.equal(formatSize(999_999), "1.0 MB");
  assert.equal(formatSize(1_073_741_824), "1.1 GB");
  assert.equal(exactSize(1), "1 byte");
  assert.equal(exactSize(70_000), "70,000 bytes");
});

test("bucket routes: prefix and key travel in the query, any character round-trips", () => {
  const key = "odd dir/naïve 100% ..//plan + ☃.txt";
  assert.deepEqual(matchRoute("/buckets"), { page: "buckets" });
  assert.deepEqual(matchRoute("/buckets/releases"), {
    page: "bucket",
    bucket: "releases",
    prefix: "",
    key: undefined,
  });
  const link = href.bucket("releases", "odd dir/", key);
  const url = new URL(link, "http://x");
  assert.equal(url.pathname, "/buckets/releases");
  assert.deepEqual(matchRoute(url.pathname, url.search), {
    page: "bucket",
    bucket: "releases",
    prefix: "odd dir/",
    key,
  });
  assert.equal(href.bucket("releases"), "/buckets/releases");
  assert.equal(matchRoute("/buckets/a/b").page, "not-found");
});

test("API paths put keys in the query string, never in the path", () => {
  const key = "a b/%2F/../ü";
  const download = new URL(bucketApi.download("my-bucket", key), "http://x");
  assert.equal(download.pathname, "/api/v1/buckets/my-bucket/download");
  assert.equal(download.searchParams.get("key"), key);
  assert.equal(bucketApi.objects("b", ""), "/api/v1/buckets/b/objects");
  const page = new URL(bucketApi.objects("b", "x/", "tok+en="), "http://x");
  assert.equal(page.searchParams.get("prefix"), "x/");
  assert.equal(page.searchParams.get("continuation"), "tok+en=");
});
