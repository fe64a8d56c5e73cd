import assert from "node:assert/strict";
import { test } from "node:test";
import { AUDIT_ACTIONS } from "@fawkes/protocol";
import {
  actionChoices,
  auditApiPath,
  EMPTY_FILTER,
  filterFromSearch,
  formatDetails,
  searchOfFilter,
} from "../src/audit/audit-filter.ts";
import { href, matchRoute } from "../src/router/routes.ts";

test("the audit page's filter round-trips through its URL", () => {
  assert.deepEqual(matchRoute("/audit"), { page: "audit", filter: EMPTY_FILTER });
  const filter = { actor: "agent:agent-1", action: "pipeline.*", target: "pipeline/build/*", since: "24h" };
  const url = href.audit(filter);
  assert.equal(url, "/audit?actor=agent%3Aagent-1&action=pipeline.*&target=pipeline%2Fbuild%2F*&since=24h");
  const [path, search] = url.split("?");
  assert.deepEqual(matchRoute(path ?? "", `?${search}`), { page: "audit", filter });
  assert.equal(href.audit(), "/audit");
  assert.equal(searchOfFilter({ ...EMPTY_FILTER, actor: "  " }), "");
  // An unknown time window is dropped rather than sent.
  assert.deepEqual(filterFromSearch("?since=forever"), EMPTY_FILTER);
  assert.deepEqual(matchRoute("/audit/extra"), { page: "not-found", path: "/audit/extra" });
});

test("the API path resolves the time window against now and carries the cursor", () => {
  const now = 1_800_000_000_000;
  assert.equal(auditApiPath(EMPTY_FILTER, now), "/api/v1/audit?limit=100");
  const path = auditApiPath({ actor: "admin", action: "stage.*", target: "", since: "1h" }, now, 42);
  const query = new URLSearchParams(path.split("?")[1]);
  assert.deepEqual(Object.fromEntries(query), {
    actor: "admin",
    action: "stage.*",
    since: String(now - 3_600_000),
    limit: "100",
    before: "42",
  });
});

test("every action is offered, each family before its actions", () => {
  const values = actionChoices().map((choice) => choice.value);
  for (const action of AUDIT_ACTIONS) assert.ok(values.includes(action), action);
  assert.ok(values.indexOf("pipeline.*") < values.indexOf("pipeline.trigger"));
  assert.equal(new Set(values).size, values.length);
  assert.equal(
    formatDetails({ reason: "deploy freeze", variables: ["TOKEN"], attempt: 1 }),
    'reason=deploy freeze variables=["TOKEN"] attempt=1',
  );
});
