import assert from "node:assert/strict";
import { test } from "node:test";
import { parseAnsiLine } from "../src/console/ansi.ts";
import { parseRow, searchableText } from "../src/console/row-cache.ts";
import { LineSearch, markSpans, matchRanges, queryPattern } from "../src/console/search.ts";

test("matchRanges is case-insensitive and treats the query literally", () => {
  assert.deepEqual(matchRanges("Error: an ERROR, error!", "error"), [
    [0, 5],
    [10, 15],
    [17, 22],
  ]);
  assert.deepEqual(matchRanges("a.b axb (c)", "a.b"), [[0, 3]]);
  assert.deepEqual(matchRanges("f(x) [1]", "(x)"), [[1, 4]]);
  assert.deepEqual(matchRanges("anything", ""), []);
  assert.equal(queryPattern(""), null);
});

test("markSpans splits styled spans at match boundaries", () => {
  const spans = parseAnsiLine("\x1b[31mfail\x1b[0med tests");
  // plain text: "failed tests"; "led te" spans both styles
  assert.deepEqual(markSpans(spans, matchRanges("failed tests", "led te")), [
    { text: "fai", fg: 1 },
    { text: "l", fg: 1, mark: true },
    { text: "ed te", mark: true },
    { text: "sts" },
  ]);
  assert.deepEqual(
    markSpans(
      [{ text: "abcabc" }],
      [
        [0, 1],
        [3, 4],
      ],
    ),
    [{ text: "a", mark: true }, { text: "bc" }, { text: "a", mark: true }, { text: "bc" }],
  );
  assert.equal(markSpans(spans, []), spans, "no ranges: the same spans");
});

function searchAll(lines: string[], query: string, start: number, direction: 1 | -1, budget = 1000) {
  const search = new LineSearch({
    textOf: (i) => searchableText(lines[i] as string),
    count: lines.length,
    query,
    start,
    direction,
  });
  let steps = 0;
  for (;;) {
    steps++;
    const step = search.step(budget);
    if (step.done) return { line: step.line, steps };
  }
}

const log = [
  "10:00:00.000 starting",
  "10:00:00.001 \x1b[31mERROR\x1b[0m one",
  "10:00:00.002 fine",
  "10:00:00.003 another error",
  "10:00:00.004 done",
];

test("LineSearch finds the next and previous matching lines, wrapping around", () => {
  assert.equal(searchAll(log, "error", 0, 1).line, 1);
  assert.equal(searchAll(log, "error", 2, 1).line, 3);
  assert.equal(searchAll(log, "error", 4, 1).line, 1, "wraps past the end");
  assert.equal(searchAll(log, "error", 2, -1).line, 1);
  assert.equal(searchAll(log, "error", 0, -1).line, 3, "wraps past the start");
  assert.equal(searchAll(log, "missing", 0, 1).line, null);
});

test("LineSearch ignores timestamps and escape codes", () => {
  assert.equal(searchAll(log, "10:00", 0, 1).line, null, "the timestamp column is not searched");
  assert.equal(searchAll(log, "31m", 0, 1).line, null, "escape codes are not text");
  assert.equal(searchAll(log, "error one", 0, 1).line, 1, "a match across a colour change");
});

test("LineSearch works in bounded steps", () => {
  const many = Array.from({ length: 10_000 }, (_, i) => (i === 9_876 ? "needle" : `hay ${i}`));
  const { line, steps } = searchAll(many, "NEEDLE", 0, 1, 1000);
  assert.equal(line, 9_876);
  assert.equal(steps, 10);
  const missing = searchAll(many, "absent", 0, 1, 1000);
  assert.equal(missing.line, null);
  assert.equal(missing.steps, 10, "stops after seeing every line once");
});

test("parseRow splits the timestamp, parses colours and truncates huge lines", () => {
  const row = parseRow("10:00:00.000 \x1b[32mok\x1b[0m done");
  assert.equal(row.time, "10:00:00.000");
  assert.deepEqual(row.spans, [{ text: "ok", fg: 2 }, { text: " done" }]);
  assert.equal(row.plain, "ok done");
  assert.equal(row.truncated, 0);
  const huge = parseRow("x".repeat(100_000));
  assert.equal(huge.plain.length, 4000);
  assert.equal(huge.truncated, 96_000);
});
