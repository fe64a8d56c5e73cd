/**
 * The config parsing process: a parse that runs past its budget is stopped and blamed on the file it was at,
 * the other files still load, and the process exits when idle.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { formatIssue } from "@fawkes/core";
import { waitFor } from "@fawkes/testing";
import { ConfigParser } from "../../src/engine/config-parser.ts";

const valid = `format_version: 10
pipelines:
  ok:
    materials: {code: {git: "https://example.com/code.git"}}
    stages: [{build: {jobs: {compile: {tasks: [{exec: {command: make}}]}}}}]
`;
/** ~1 MB of environment variables: seconds of parsing on a cold process, far past the budget below. */
const slow = `environments:\n  e:\n    environment_variables:\n${Array.from(
  { length: 70_000 },
  (_, i) => `      VARIABLE_${i}: value\n`,
).join("")}`;

test("a parse over its time budget is blamed on its file; the other files load; the process exits idle", async (t) => {
  const parser = new ConfigParser({ timeoutMs: 400, idleMs: 200 });
  t.after(() => parser.close());

  const snapshot = await parser.parse(
    [
      { path: "slow.gocd.yaml", text: slow },
      { path: "ok.gocd.yaml", text: valid },
    ],
    2 * 1024 * 1024,
  );
  assert.deepEqual(
    snapshot.pipelines.map((p) => p.name),
    ["ok"],
  );
  assert.deepEqual(snapshot.issues.map(formatIssue), [
    "slow.gocd.yaml:1:1: config parsing stopped at this file: parsing took longer than 400 ms",
  ]);
  assert.ok(Object.isFrozen(snapshot.pipelines[0]), "the snapshot is frozen again after crossing processes");

  const pid = parser.pid;
  assert.ok(pid !== undefined);
  await waitFor(() => (parser.pid === undefined && !alive(pid) ? true : undefined), {
    timeoutMs: 10_000,
    message: "the idle parsing process to exit",
  });

  // The next parse starts a new process.
  const again = await parser.parse([{ path: "ok.gocd.yaml", text: valid }], 1024);
  assert.deepEqual(again.issues, []);
  assert.deepEqual(
    again.pipelines.map((p) => p.name),
    ["ok"],
  );
});

test("a parsing process that dies is reported on the file it was at", async (t) => {
  // A heap far too small for the file: V8 gives up, the server side reports it.
  const parser = new ConfigParser({ maxHeapMb: 16, timeoutMs: 60_000 });
  t.after(() => parser.close());
  const snapshot = await parser.parse([{ path: "slow.gocd.yaml", text: slow }], 2 * 1024 * 1024);
  assert.equal(snapshot.issues.length, 1);
  assert.match(
    formatIssue(snapshot.issues[0]!),
    /^slow\.gocd\.yaml:1:1: config parsing stopped at this file: the parser (ran out of memory \(16 MiB\)|exited)/,
  );
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
