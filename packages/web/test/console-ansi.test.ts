import assert from "node:assert/strict";
import { test } from "node:test";
import { applySgr, paletteColor, parseAnsiLine, stripAnsi, type AnsiSpan } from "../src/console/ansi.ts";

const E = "\x1b";

const cases: { name: string; line: string; spans: AnsiSpan[] }[] = [
  { name: "plain text is one span", line: "hello world", spans: [{ text: "hello world" }] },
  { name: "empty line has no spans", line: "", spans: [] },
  { name: "tabs are kept", line: "a\tb", spans: [{ text: "a\tb" }] },
  {
    name: "16 colours and reset",
    line: `${E}[31mred${E}[0m plain ${E}[92mbright${E}[39m`,
    spans: [{ text: "red", fg: 1 }, { text: " plain " }, { text: "bright", fg: 10 }],
  },
  {
    name: "background colours, normal and bright",
    line: `${E}[44mblue${E}[103myellow${E}[49m`,
    spans: [
      { text: "blue", bg: 4 },
      { text: "yellow", bg: 11 },
    ],
  },
  {
    name: "256 colours (semicolon form)",
    line: `${E}[38;5;196mred${E}[48;5;21m on blue`,
    spans: [
      { text: "red", fg: 196 },
      { text: " on blue", fg: 196, bg: 21 },
    ],
  },
  {
    name: "truecolor (semicolon and colon forms)",
    line: `${E}[38;2;255;128;0morange${E}[48:2::1:2:3mbg`,
    spans: [
      { text: "orange", fg: "#ff8000" },
      { text: "bg", fg: "#ff8000", bg: "#010203" },
    ],
  },
  {
    name: "colon form without colour-space id",
    line: `${E}[38:2:10:20:30mx`,
    spans: [{ text: "x", fg: "#0a141e" }],
  },
  {
    name: "bold, dim, italic, underline and their resets",
    line: `${E}[1mB${E}[2mBD${E}[22mN${E}[3;4mIU${E}[23mU${E}[24mN`,
    spans: [
      { text: "B", bold: true },
      { text: "BD", bold: true, dim: true },
      { text: "N" },
      { text: "IU", italic: true, underline: true },
      { text: "U", underline: true },
      { text: "N" },
    ],
  },
  {
    name: "nested styles accumulate and ESC[m resets all",
    line: `${E}[1m${E}[31mbold red${E}[42m on green${E}[m done`,
    spans: [
      { text: "bold red", bold: true, fg: 1 },
      { text: " on green", bold: true, fg: 1, bg: 2 },
      { text: " done" },
    ],
  },
  {
    name: "several parameters in one sequence",
    line: `${E}[1;33;44mX${E}[0;32mY`,
    spans: [
      { text: "X", bold: true, fg: 3, bg: 4 },
      { text: "Y", fg: 2 },
    ],
  },
  {
    name: "inverse and strikethrough",
    line: `${E}[7;9mX${E}[27;29mY`,
    spans: [{ text: "X", inverse: true, strike: true }, { text: "Y" }],
  },
  {
    name: "adjacent spans with the same style merge",
    line: `${E}[31ma${E}[31mb${E}[1m${E}[22mc`,
    spans: [{ text: "abc", fg: 1 }],
  },
  {
    name: "invalid colour arguments are ignored, the text is kept",
    line: `${E}[38;5;999mA${E}[38;2;1;2mB${E}[38;9mC`,
    spans: [{ text: "ABC" }],
  },
  {
    name: "unknown SGR codes are ignored",
    line: `${E}[31;53;73mX`,
    spans: [{ text: "X", fg: 1 }],
  },
  {
    name: "cursor movement, erase display and private modes are stripped",
    line: `${E}[2J${E}[1;1H${E}[?25la${E}[3Ab${E}[10Gc${E}[s${E}[u`,
    spans: [{ text: "abc" }],
  },
  {
    name: "OSC title and hyperlinks are stripped (BEL and ST terminators)",
    line: `${E}]0;title\x07x ${E}]8;;https://example.com${E}\\link${E}]8;;${E}\\`,
    spans: [{ text: "x link" }],
  },
  {
    name: "charset selection and two-byte escapes are stripped",
    line: `${E}(Ba${E}=b${E}7c`,
    spans: [{ text: "abc" }],
  },
  {
    name: "an unterminated sequence at the end is dropped",
    line: `text${E}[31`,
    spans: [{ text: "text" }],
  },
  { name: "a lone ESC at the end is dropped", line: `text${E}`, spans: [{ text: "text" }] },
  {
    name: "a malformed CSI stops at the bad byte",
    line: `a${E}[3\x01b`,
    spans: [{ text: "ab" }],
  },
  {
    name: "other control characters are dropped",
    line: "a\x07b\x00c\x7fd",
    spans: [{ text: "abcd" }],
  },
  { name: "a trailing CR (CRLF) draws nothing", line: "done\r", spans: [{ text: "done" }] },
  {
    name: "carriage return: later text overwrites earlier cells",
    line: "progress 10%\rprogress 100%",
    spans: [{ text: "progress 100%" }],
  },
  {
    name: "carriage return: shorter text overwrites only its cells",
    line: "abcdef\rXY",
    spans: [{ text: "XYcdef" }],
  },
  {
    name: "carriage return then erase line: last segment wins",
    line: `downloading 99%\r${E}[Kdone`,
    spans: [{ text: "done" }],
  },
  {
    name: "carriage return keeps styles of the cells written",
    line: `${E}[31mred${E}[0m\r${E}[32mG`,
    spans: [
      { text: "G", fg: 2 },
      { text: "ed", fg: 1 },
    ],
  },
  { name: "backspace moves the cursor back", line: "abc\b\bX", spans: [{ text: "aXc" }] },
  {
    name: "erase whole line (2K) clears everything before",
    line: `old${E}[2Knew`,
    spans: [{ text: "   new" }],
  },
];

for (const { name, line, spans } of cases) {
  test(`parseAnsiLine: ${name}`, () => {
    assert.deepEqual(parseAnsiLine(line), spans);
  });
}

test("stripAnsi returns the visible text", () => {
  assert.equal(stripAnsi(`${E}[1;31merror${E}[0m: ${E}[4mfile${E}[24m not found`), "error: file not found");
  assert.equal(stripAnsi("plain"), "plain");
  assert.equal(stripAnsi("50%\r100%"), "100%");
});

test("applySgr: empty parameters reset, 4:0 turns underline off", () => {
  assert.deepEqual(applySgr({ fg: 1, bold: true }, ""), {});
  assert.deepEqual(applySgr({ underline: true, fg: 2 }, "4:0"), { fg: 2 });
  assert.deepEqual(
    applySgr({}, "58;5;3;1"),
    { bold: true },
    "underline colour is skipped with its arguments",
  );
});

test("paletteColor: xterm cube and grey ramp", () => {
  assert.equal(paletteColor(16), "#000000");
  assert.equal(paletteColor(196), "#ff0000");
  assert.equal(paletteColor(21), "#0000ff");
  assert.equal(paletteColor(231), "#ffffff");
  assert.equal(paletteColor(232), "#080808");
  assert.equal(paletteColor(255), "#eeeeee");
  assert.match(paletteColor(1), /^#[0-9a-f]{6}$/);
});
