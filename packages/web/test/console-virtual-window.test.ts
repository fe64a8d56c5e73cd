import assert from "node:assert/strict";
import { test } from "node:test";
import {
  computeWindow,
  isAtBottom,
  scrollTopForRow,
  scrollTopToReveal,
} from "../src/console/virtual-window.ts";

const base = { viewportHeight: 180, rowHeight: 18, rowCount: 1000, overscan: 5 };

test("at the top: the visible rows plus overscan below", () => {
  const w = computeWindow({ ...base, scrollTop: 0 });
  assert.deepEqual(w, { first: 0, last: 15, offsetTop: 0, contentHeight: 18_000, firstVisible: 0 });
});

test("in the middle, including a partly visible row", () => {
  const w = computeWindow({ ...base, scrollTop: 18 * 100 + 9 });
  assert.equal(w.firstVisible, 100);
  assert.equal(w.first, 95);
  assert.equal(w.last, 111 + 5, "rows 100..110 are (partly) visible");
  assert.equal(w.offsetTop, 95 * 18);
});

test("at the end and beyond it (clamped)", () => {
  const end = computeWindow({ ...base, scrollTop: 18_000 - 180 });
  assert.equal(end.last, 1000);
  assert.equal(end.firstVisible, 990);
  const beyond = computeWindow({ ...base, scrollTop: 1e9 });
  assert.deepEqual(beyond, end);
});

test("fewer rows than the viewport holds, and no rows", () => {
  assert.deepEqual(computeWindow({ ...base, rowCount: 3, scrollTop: 50 }), {
    first: 0,
    last: 3,
    offsetTop: 0,
    contentHeight: 54,
    firstVisible: 0,
  });
  const empty = computeWindow({ ...base, rowCount: 0, scrollTop: 0 });
  assert.equal(empty.first, 0);
  assert.equal(empty.last, 0);
  assert.equal(empty.contentHeight, 0);
});

test("rendered rows never exceed viewport/rowHeight + 2 + 2*overscan, whatever the size", () => {
  for (const rowCount of [10, 1000, 700_000, 5_000_000]) {
    for (const fraction of [0, 0.25, 0.5, 0.999, 1]) {
      const contentHeight = computeWindow({ ...base, rowCount, scrollTop: 0 }).contentHeight;
      const w = computeWindow({ ...base, rowCount, scrollTop: fraction * (contentHeight - 180) });
      assert.ok(w.last - w.first <= 10 + 2 + 10, `${rowCount} rows at ${fraction}: ${w.last - w.first}`);
    }
  }
});

test("past the height cap, scroll positions map proportionally and reach the last row", () => {
  const huge = { ...base, rowCount: 5_000_000, maxContentHeight: 1_000_000 };
  const top = computeWindow({ ...huge, scrollTop: 0 });
  assert.equal(top.contentHeight, 1_000_000);
  assert.equal(top.firstVisible, 0);
  const bottom = computeWindow({ ...huge, scrollTop: 1_000_000 - 180 });
  assert.equal(bottom.last, 5_000_000);
  assert.equal(bottom.firstVisible, 5_000_000 - 10);
  // The visible rows line up with the viewport: the first visible row's top is at or above scrollTop.
  const mid = computeWindow({ ...huge, scrollTop: 400_000 });
  const firstVisibleTop = mid.offsetTop + (mid.firstVisible - mid.first) * 18;
  assert.ok(firstVisibleTop <= 400_000 && firstVisibleTop > 400_000 - 18);
});

test("scrollTopForRow is the inverse of the window's first visible row", () => {
  for (const geometry of [base, { ...base, rowCount: 5_000_000, maxContentHeight: 1_000_000 }]) {
    for (const row of [0, 1, 123, Math.floor(geometry.rowCount / 2), geometry.rowCount - 10]) {
      const scrollTop = scrollTopForRow(geometry, row);
      assert.equal(computeWindow({ ...geometry, scrollTop }).firstVisible, row, `row ${row}`);
    }
  }
});

test("scrollTopToReveal leaves a visible row alone and centres a hidden one", () => {
  assert.equal(scrollTopToReveal({ ...base, scrollTop: 0 }, 3), 0);
  const top = scrollTopToReveal({ ...base, scrollTop: 0 }, 500);
  const w = computeWindow({ ...base, scrollTop: top, overscan: 0 });
  assert.ok(w.first < 500 && w.last > 500, "row 500 is in view");
  assert.equal(Math.round(top), 500 * 18 - (180 - 18) / 2);
  assert.equal(scrollTopToReveal({ ...base, scrollTop: 5000 }, 0), 0, "clamped at the top");
  const huge = { ...base, rowCount: 5_000_000, maxContentHeight: 1_000_000, scrollTop: 0 };
  const hugeTop = scrollTopToReveal(huge, 2_500_000);
  const hw = computeWindow({ ...huge, scrollTop: hugeTop, overscan: 0 });
  assert.ok(
    hw.first <= 2_500_000 && hw.last > 2_500_000,
    `row visible in capped mode: ${hw.first}..${hw.last}`,
  );
});

test("isAtBottom within half a row of the end", () => {
  assert.equal(isAtBottom({ ...base, scrollTop: 18_000 - 180 }), true);
  assert.equal(isAtBottom({ ...base, scrollTop: 18_000 - 180 - 5 }), true);
  assert.equal(isAtBottom({ ...base, scrollTop: 18_000 - 180 - 18 }), false);
  assert.equal(
    isAtBottom({ ...base, rowCount: 2, scrollTop: 0 }),
    true,
    "short content is always at the end",
  );
});
