/** GET /api/v1/audit: filters (actor, action, target, time), paging newest first, and bad queries refused. */
import assert from "node:assert/strict";
import test from "node:test";
import { ApiRoutes, ErrorCode, type AuditListDto, type Problem } from "@fawkes/protocol";
import { recordAudit } from "../../src/services/audit.ts";
import { auditPage, call } from "./audit-support.ts";
import { startHttpServer } from "./http-server.ts";

test("GET /api/v1/audit filters by actor, action, target and time, and pages newest first", async (t) => {
  const server = await startHttpServer(t);
  const { db } = server.engine.ctx;
  const base = Date.parse("2026-01-01T00:00:00Z");
  const actors = [
    { kind: "user", name: "admin" },
    { kind: "agent", name: "agent-1" },
    { kind: "system", name: "fawkes" },
  ] as const;
  const actions = ["pipeline.trigger", "pipeline.pause", "stage.approve", "agent.enable"] as const;
  const total = 240;
  for (let i = 0; i < total; i++)
    await recordAudit(db, {
      actor: actors[i % 3]!,
      action: actions[i % 4]!,
      target: i % 2 === 0 ? `pipeline/build/${i}` : `pipeline/build_x/${i}`,
      details: { i },
      sourceIp: "10.0.0.1",
      at: base + i * 60_000,
    });
  const ids = async (query: string): Promise<number[]> =>
    (await auditPage(server, query)).entries.map((entry) => entry.details.i as number);
  const wanted = (keep: (i: number) => boolean, limit = 100): number[] =>
    Array.from({ length: total }, (_, i) => total - 1 - i)
      .filter(keep)
      .slice(0, limit);

  assert.deepEqual(
    await ids(""),
    wanted(() => true),
    "newest first, 100 by default",
  );
  assert.deepEqual(
    await ids("?action=stage.approve"),
    wanted((i) => i % 4 === 2),
  );
  assert.deepEqual(
    await ids("?action=pipeline.*&limit=500"),
    wanted((i) => i % 4 < 2, 500),
  );
  assert.deepEqual(await ids("?action=pipeline"), [], "no prefix without the star");
  assert.deepEqual(
    await ids("?actor=agent-1&limit=500"),
    wanted((i) => i % 3 === 1, 500),
  );
  assert.deepEqual(
    await ids("?actor=agent:agent-1&limit=500"),
    wanted((i) => i % 3 === 1, 500),
  );
  assert.deepEqual(await ids("?actor=user:agent-1"), []);
  assert.deepEqual(await ids("?target=pipeline/build/10"), [10]);
  // `_` is no wildcard (LIKE's would match build_x): the prefix is compared exactly, case included.
  assert.deepEqual(
    await ids("?target=pipeline/build/*&limit=500"),
    wanted((i) => i % 2 === 0, 500),
  );
  assert.deepEqual(
    await ids("?target=pipeline/build_*&limit=500"),
    wanted((i) => i % 2 === 1, 500),
  );
  assert.deepEqual(await ids("?target=PIPELINE/*"), []);
  const at = (i: number): string => new Date(base + i * 60_000).toISOString();
  assert.deepEqual(
    await ids(`?since=${encodeURIComponent(at(10))}&until=${base + 20 * 60_000}`),
    wanted((i) => i >= 10 && i < 20),
  );
  assert.deepEqual(
    await ids(`?since=${encodeURIComponent(at(230).replace("Z", "+00:00"))}&actor=admin`),
    wanted((i) => i >= 230 && i % 3 === 0),
  );

  // Paging: every entry exactly once, newest first, `next` null on the last page.
  const seen: number[] = [];
  let before: number | null = null;
  let pages = 0;
  do {
    const page: AuditListDto = await auditPage(
      server,
      `?limit=70${before === null ? "" : `&before=${before}`}`,
    );
    assert.ok(page.entries.length <= 70);
    seen.push(...page.entries.map((entry) => entry.details.i as number));
    before = page.next;
    pages++;
  } while (before !== null);
  assert.equal(pages, 4);
  assert.deepEqual(
    seen,
    wanted(() => true, total),
  );
  const page = await auditPage(server, "?limit=1");
  assert.equal(page.entries[0]?.sourceIp, "10.0.0.1");
  assert.equal(page.next, page.entries[0]?.id);

  for (const query of [
    "?limit=0",
    "?limit=501",
    "?limit=ten",
    "?before=abc",
    "?before=0",
    "?since=yesterday",
    "?until=2026-13-01T00:00:00Z",
    `?since=${base + 10}&until=${base}`,
    "?colour=red",
    "?action=a&action=b",
  ]) {
    const answer = await call(server, "GET", ApiRoutes.audit + query);
    assert.equal(answer.status, 400, `${query}: ${answer.text}`);
    assert.equal((JSON.parse(answer.text) as Problem).code, ErrorCode.validation, query);
  }
  const anonymous = await call(server, "GET", ApiRoutes.audit, undefined, { authorization: "Bearer no" });
  assert.equal(anonymous.status, 401);
});
