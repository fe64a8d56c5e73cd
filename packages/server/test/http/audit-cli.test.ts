/**
 * `fawkes audit` against a real server: the table and `--json` show the entries newest first, the filters and
 * `--since` reach the API, `--limit` pages past one API page, and bad flags exit 1 with a message.
 */
import assert from "node:assert/strict";
import test from "node:test";
import type { AuditEntryDto } from "@fawkes/protocol";
import { runCli } from "@fawkes/testing";
import { recordAudit } from "../../src/services/audit.ts";
import { startHttpServer } from "./http-server.ts";

test("fawkes audit prints the log as a table or JSON, filtered and paged", { timeout: 90_000 }, async (t) => {
  const server = await startHttpServer(t);
  const fawkes = (args: string[]) => runCli(args, { server: server.url, token: server.keys.apiToken });
  const { db } = server.engine.ctx;
  const now = Date.now();
  // 600 old approvals (beyond one API page), then the recent entries the filters pick.
  for (let i = 0; i < 600; i++)
    await recordAudit(db, {
      actor: { kind: "user", name: "admin" },
      action: "stage.approve",
      target: `pipeline/old/${i + 1}/deploy`,
      details: { stageCounter: 1 },
      at: now - 3 * 86_400_000 + i,
    });
  await recordAudit(db, {
    actor: { kind: "user", name: "admin" },
    action: "pipeline.trigger",
    target: "pipeline/build/7",
    details: { label: "7", variables: ["TOKEN"] },
    sourceIp: "127.0.0.1",
    at: now - 60_000,
  });
  await recordAudit(db, {
    actor: { kind: "agent", name: "agent-1" },
    action: "secret.read",
    target: "pipeline/build/7/compile/1/make",
    details: { variables: ["TOKEN"], materials: [], attempt: 1 },
    at: now - 30_000,
  });

  const table = await fawkes(["audit", "--since", "1h"]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^TIME\s+ACTOR\s+ACTION\s+TARGET\s+DETAILS$/);
  assert.equal(lines.length, 3, table.stdout);
  assert.match(
    lines[1] ?? "",
    /^\d{4}-\d\d-\d\dT[\d:.]+Z\s+agent:agent-1\s+secret\.read\s+pipeline\/build\/7\/compile\/1\/make\s+variables=\["TOKEN"\] materials=\[\] attempt=1$/,
  );
  assert.match(
    lines[2] ?? "",
    /\s+admin\s+pipeline\.trigger\s+pipeline\/build\/7\s+label=7 variables=\["TOKEN"\]$/,
  );

  const json = await fawkes(["audit", "--json", "--action", "pipeline.*"]);
  assert.equal(json.code, 0, json.stderr);
  const triggers = (JSON.parse(json.stdout) as { entries: AuditEntryDto[] }).entries;
  assert.deepEqual(
    triggers.map((entry) => [entry.action, entry.target, entry.sourceIp]),
    [["pipeline.trigger", "pipeline/build/7", "127.0.0.1"]],
  );

  const byAgent = await fawkes([
    "audit",
    "--json",
    "--actor",
    "agent:agent-1",
    "--target",
    "pipeline/build/*",
  ]);
  assert.deepEqual(
    (JSON.parse(byAgent.stdout) as { entries: AuditEntryDto[] }).entries.map((entry) => entry.action),
    ["secret.read"],
  );

  // 550 entries take two API pages (500 at most each), newest first.
  const many = await fawkes(["audit", "--json", "--limit", "550", "--action", "stage.approve"]);
  assert.equal(many.code, 0, many.stderr);
  const approvals = (JSON.parse(many.stdout) as { entries: AuditEntryDto[] }).entries;
  assert.equal(approvals.length, 550);
  assert.equal(approvals[0]?.target, "pipeline/old/600/deploy");
  assert.equal(approvals.at(-1)?.target, "pipeline/old/51/deploy");
  const iso = new Date(now - 3 * 86_400_000 + 10).toISOString();
  const until = await fawkes(["audit", "--json", "--limit", "700", "--until", iso]);
  assert.equal((JSON.parse(until.stdout) as { entries: AuditEntryDto[] }).entries.length, 10);

  const none = await fawkes(["audit", "--actor", "nobody"]);
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stdout, "no audit entries match\n");

  for (const args of [
    ["--since", "yesterday"],
    ["--limit", "0"],
    ["--limit", "10001"],
    ["--since", "1h", "--until", "2h"],
  ]) {
    const bad = await fawkes(["audit", ...args]);
    assert.equal(bad.code, 1, `${args.join(" ")}: ${bad.stdout}`);
    assert.match(bad.stderr, /^fawkes: /, args.join(" "));
  }
  const wrongToken = await runCli(["audit"], { server: server.url, token: "wrong" });
  assert.equal(wrongToken.code, 1);
  assert.match(wrongToken.stderr, /FAWKES_UNAUTHORIZED/);
});
