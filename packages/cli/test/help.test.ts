import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { duration } from "../src/options.ts";
import { cli, closedPort, mainScript } from "./helpers.ts";

/** Every command (path) and the long options its help must list. */
const commands: [string[], string[]][] = [
  [[], ["--server", "--token", "--version"]],
  [["up"], ["--data-dir", "--port", "--cloud-port", "--agents", "--pipelines", "--poll-interval"]],
  [["server"], ["--data-dir", "--host", "--port", "--pipelines", "--poll-interval"]],
  [
    ["db", "copy"],
    ["--to", "--data-dir", "--json"],
  ],
  [["agent"], ["--key", "--name", "--resources", "--environments", "--work-dir", "--token-rotation"]],
  [["validate"], ["--json"]],
  [["trigger"], ["--revision", "--var", "--wait", "--wait-through-approvals", "--json"]],
  [["status"], ["--limit", "--json"]],
  [["logs"], ["--follow", "--no-timestamps"]],
  [["pause"], ["--reason"]],
  [["unpause"], []],
  [["approve"], []],
  [["cancel"], []],
  [["rerun"], ["--job", "--json"]],
  [["agents"], ["--json"]],
  [["agents", "enable"], []],
  [["agents", "disable"], []],
  [["agents", "delete"], []],
  [["agents", "resources"], ["--json"]],
  [["notify"], ["--branch", "--json"]],
  [["roles", "list"], ["--json"]],
  [
    ["roles", "create"],
    ["--trust", "--trust-pipeline", "--trust-agents", "--path", "--max-session", "--json"],
  ],
  [["roles", "put-policy"], ["--json"]],
  [["roles", "attach"], ["--json"]],
  [
    ["policies", "create"],
    ["--path", "--description", "--json"],
  ],
  [["audit"], ["--actor", "--action", "--target", "--since", "--until", "--limit", "--json"]],
  [["stack"], ["--endpoint-url", "--region", "--provider"]],
  [
    ["stack", "create"],
    ["--template", "--parameter", "--capabilities", "--tag", "--disable-rollback", "--wait", "--json"],
  ],
  [
    ["stack", "update"],
    ["--template", "--use-previous-template", "--parameter", "--wait", "--json"],
  ],
  [
    ["stack", "delete"],
    ["--wait", "--json"],
  ],
  [
    ["stack", "retire"],
    ["--prefix", "--keep", "--wait", "--json"],
  ],
  [
    ["stack", "events"],
    ["--follow", "--json"],
  ],
  [["stack", "outputs"], ["--json"]],
  [
    ["stack", "list"],
    ["--all", "--json"],
  ],
  [
    ["instances", "list"],
    ["--all", "--json"],
  ],
  [["instances", "console"], ["--json"]],
];

for (const [path, flags] of commands) {
  test(`fawkes ${path.join(" ")} --help exits 0 and lists its options`, async () => {
    const run = await cli([...path, "--help"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^Usage: fawkes${path.length > 0 ? ` ${path.join(" ")}` : ""} `));
    for (const flag of [...flags, "--help"])
      assert.ok(run.stdout.includes(flag), `${flag} missing from help of ${path.join(" ")}`);
  });
}

test("a missing argument or an unknown option exits 1 with a fawkes: message", async () => {
  const missing = await cli(["status"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^fawkes: missing required argument 'pipeline'/);
  const unknown = await cli(["status", "p", "--frobnicate"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /fawkes: unknown option '--frobnicate'/);
  const badInt = await cli(["status", "p", "--limit", "zero"]);
  assert.equal(badInt.code, 1);
  assert.match(badInt.stderr, /positive integer/);
  const badPair = await cli(["trigger", "p", "--var", "novalue"]);
  assert.equal(badPair.code, 1);
  assert.match(badPair.stderr, /NAME=VALUE/);
  for (const rotation of ["soon", "24", "-1h", "1.5h", "0s"]) {
    const badRotation = await cli(["agent", "--key", "k", "--token-rotation", rotation]);
    assert.equal(badRotation.code, 1, rotation);
    assert.match(badRotation.stderr, /expected a duration such as 90s, 30m, 24h or 7d \(0: off\)/, rotation);
  }
});

test("durations: 0 is off, the units are ms, s, m, h and d", () => {
  assert.deepEqual(
    ["0", "1500ms", "90s", "30m", "24h", "7d"].map(duration),
    [0, 1500, 90_000, 1_800_000, 86_400_000, 604_800_000],
  );
});

test("a malformed run address names the expected form and changes nothing", async () => {
  const run = await cli(["logs", "pipe/notanumber/stage/job", "--server", "http://127.0.0.1:8153"]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /is not PIPELINE\/COUNTER\/STAGE\[\/STAGE_COUNTER\]\/JOB \[FAWKES_BAD_REQUEST\]/);
});

test("main.ts exits 0 on --help, 1 with a hint when the server is not running", async () => {
  const help = spawnSync(process.execPath, [mainScript, "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: fawkes/);
  const port = await closedPort();
  const down = spawnSync(
    process.execPath,
    [mainScript, "status", "p", "--server", `http://127.0.0.1:${port}`],
    {
      encoding: "utf8",
      env: { ...process.env, FAWKES_TOKEN: "t" },
    },
  );
  assert.equal(down.status, 1);
  assert.match(
    down.stderr,
    /^fawkes: cannot reach the Fawkes server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
  );
  assert.match(down.stderr, /is the server running\? start it with `fawkes up`/);
});

test("--server must be a URL", async () => {
  const run = await cli(["status", "p", "--server", "not a url"]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /--server "not a url" is not a URL/);
});
