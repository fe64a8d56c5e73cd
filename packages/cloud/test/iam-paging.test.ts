/**
 * The IAM API's pager (iam-service/paging.ts): pages follow the ordering key whatever order items come in, a
 * marker resumes exactly after the last item it saw (even when that item is gone), MaxItems is 1–1000 (default
 * 100), and any marker that is not one this pager sealed for this list is a ValidationError — never a crash or
 * another list's page.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { AwsError } from "../src/aws-error.ts";
import { Pager } from "../src/iam-service/paging.ts";
import { QueryParams } from "../src/query/params.ts";

const params = (values: Record<string, string>) => new QueryParams(new Map(Object.entries(values)));
const markerOf = (tail: string) => /<Marker>([^<]*)<\/Marker>/.exec(tail)?.[1];
const names = Array.from({ length: 250 }, (_, i) => `item-${String(i).padStart(3, "0")}`);
const shuffled = [...names].sort(() => Math.random() - 0.5);
const key = (name: string) => name;

test("pages walk every item once, in key order, and say when they are truncated", () => {
  const pager = new Pager();
  const seen: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = pager.page(params({ MaxItems: "7", ...(marker && { Marker: marker }) }), "L", shuffled, key);
    pages++;
    seen.push(...page.items);
    marker = markerOf(page.tail);
    assert.equal(page.tail.includes("<IsTruncated>true</IsTruncated>"), marker !== undefined);
  } while (marker !== undefined);
  assert.deepEqual(seen, names);
  assert.equal(pages, Math.ceil(250 / 7));
  const first = pager.page(params({}), "L", shuffled, key);
  assert.deepEqual([first.items.length, markerOf(first.tail) !== undefined], [100, true], "100 by default");
  const all = pager.page(params({ MaxItems: "1000" }), "L", shuffled, key);
  assert.deepEqual([all.items, all.tail], [names, "<IsTruncated>false</IsTruncated>"]);
});

test("a marker resumes after its item even when that item was deleted", () => {
  const pager = new Pager();
  const page = pager.page(params({ MaxItems: "3" }), "L", names, key);
  const rest = pager.page(params({ Marker: markerOf(page.tail)! }), "L", names.slice(3), key);
  assert.equal(rest.items[0], "item-003");
});

test("forged, altered and foreign markers and bad MaxItems are ValidationError", () => {
  const pager = new Pager();
  const marker = markerOf(pager.page(params({ MaxItems: "1" }), "L", names, key).tail)!;
  const [encodedKey, mac] = marker.split(".") as [string, string];
  const forgedKey = `${Buffer.from("item-200").toString("base64url")}.${mac}`;
  for (const bad of [
    "forged",
    "",
    ".",
    "..",
    `${marker}.x`,
    forgedKey,
    `${encodedKey}.${mac.slice(0, -2)}`,
    "%%%.%%%",
    "\u0000",
    "a".repeat(100_000),
  ])
    assert.throws(
      () => pager.page(params({ Marker: bad }), "L", names, key),
      (error) => error instanceof AwsError && error.code === "ValidationError",
      JSON.stringify(bad.slice(0, 40)),
    );
  assert.throws(() => pager.page(params({ Marker: marker }), "other list", names, key), AwsError);
  assert.throws(
    () => new Pager().page(params({ Marker: marker }), "L", names, key),
    AwsError,
    "another pager",
  );
  for (const bad of ["0", "1001", "-1", "1.5", "ten"])
    assert.throws(() => pager.page(params({ MaxItems: bad }), "L", names, key), AwsError, bad);
});
