import assert from "node:assert/strict";
import { test } from "node:test";
import { LineIndex, splitTimestamp } from "../src/console/line-index.ts";
import { ConsoleFeed } from "../src/console/log-stream.ts";

const linesOf = (index: LineIndex): string[] =>
  Array.from({ length: index.lineCount }, (_, i) => index.line(i));

test("lines split across chunks are joined; the text after the last newline is a partial line", () => {
  const index = new LineIndex();
  index.append("first li");
  assert.deepEqual(linesOf(index), ["first li"]);
  assert.equal(index.completeLines, 0);
  index.append("ne\nsecond\nthi");
  assert.deepEqual(linesOf(index), ["first line", "second", "thi"]);
  assert.equal(index.completeLines, 2);
  index.append("rd");
  index.append("\n");
  assert.deepEqual(linesOf(index), ["first line", "second", "third"]);
  assert.equal(index.lineCount, 3, "no empty partial line after a final newline");
});

test("empty lines and a partial line spread over many chunks", () => {
  const index = new LineIndex();
  for (const chunk of ["\n", "\n", "a", "b", "c", "\nd\n\n"]) index.append(chunk);
  assert.deepEqual(linesOf(index), ["", "", "abc", "d", ""]);
});

test("every chunking of a text gives the same lines", () => {
  const text = "alpha\nbeta\n\ngamma delta\nepsilon\nz";
  const expected = text.split("\n");
  for (let size = 1; size <= text.length; size++) {
    const index = new LineIndex();
    for (let at = 0; at < text.length; at += size) index.append(text.slice(at, at + size));
    assert.deepEqual(linesOf(index), expected, `chunks of ${size}`);
  }
});

test("the index grows past its initial capacity and stays addressable", () => {
  const index = new LineIndex();
  let chunk = "";
  for (let i = 0; i < 5000; i++) chunk += `line ${i}\n`;
  index.append(chunk.slice(0, 12345));
  index.append(chunk.slice(12345));
  assert.equal(index.lineCount, 5000);
  assert.equal(index.line(0), "line 0");
  assert.equal(index.line(1023), "line 1023");
  assert.equal(index.line(1024), "line 1024");
  assert.equal(index.line(4999), "line 4999");
  assert.throws(() => index.line(5000), RangeError);
});

test("dropPartialLine forgets only the partial line; version changes on every change", () => {
  const index = new LineIndex();
  index.append("a\nb");
  const before = index.version;
  index.dropPartialLine();
  assert.deepEqual(linesOf(index), ["a"]);
  assert.notEqual(index.version, before);
  index.append("b2\n");
  assert.deepEqual(linesOf(index), ["a", "b2"]);
});

test("splitTimestamp separates the server's prefix", () => {
  assert.deepEqual(splitTimestamp("12:34:56.789 hello"), { time: "12:34:56.789", text: "hello" });
  assert.deepEqual(splitTimestamp("12:34:56.789 "), { time: "12:34:56.789", text: "" });
  assert.deepEqual(splitTimestamp("no stamp here"), { time: null, text: "no stamp here" });
  assert.deepEqual(splitTimestamp("12:34:56 short"), { time: null, text: "12:34:56 short" });
});

test("ConsoleFeed decodes UTF-8 sequences split between chunks", () => {
  const bytes = new TextEncoder().encode("héllo wörld 🚀\nsecond ✓ line\n");
  for (let cut = 1; cut < bytes.length; cut++) {
    const feed = new ConsoleFeed(new LineIndex(), { timestamps: false });
    feed.beginConnection();
    feed.push(bytes.subarray(0, cut));
    feed.push(bytes.subarray(cut));
    feed.end();
    assert.deepEqual(linesOf(feed.lines), ["héllo wörld 🚀", "second ✓ line"], `cut at byte ${cut}`);
  }
});

test("ConsoleFeed resumes at the raw byte offset of the partial line (timestamps removed)", () => {
  const encoder = new TextEncoder();
  const feed = new ConsoleFeed(new LineIndex(), { timestamps: true });
  assert.equal(feed.beginConnection(), 0);
  // Raw log: "héllo\n" (7 bytes) + "wor" (partial); the server prefixes each line with 13 bytes.
  feed.push(encoder.encode("10:00:00.000 héllo\n10:00:00.5"));
  feed.push(encoder.encode("00 wor"));
  assert.equal(feed.resumeOffset, 7);
  assert.deepEqual(linesOf(feed.lines), ["10:00:00.000 héllo", "10:00:00.500 wor"]);
  // The connection drops: the next one starts at the partial line, which is fetched again whole.
  assert.equal(feed.beginConnection(), 7);
  assert.deepEqual(linesOf(feed.lines), ["10:00:00.000 héllo"]);
  feed.push(encoder.encode("10:00:01.000 world\n10:00:01.000 ü"));
  assert.equal(feed.resumeOffset, 7 + 6);
  feed.push(encoder.encode("\n"));
  assert.equal(feed.resumeOffset, 7 + 6 + 3);
  assert.deepEqual(linesOf(feed.lines), ["10:00:00.000 héllo", "10:00:01.000 world", "10:00:01.000 ü"]);
});

test("ConsoleFeed without timestamps counts bytes as they come", () => {
  const feed = new ConsoleFeed(new LineIndex(), { timestamps: false });
  feed.beginConnection();
  feed.push(new TextEncoder().encode("ab\ncd"));
  assert.equal(feed.resumeOffset, 3);
});
