import assert from "node:assert/strict";
import { test } from "node:test";
import { href, jobLocatorHref, matchRoute } from "../src/router/routes.ts";

test("matches every page of the UI", () => {
  assert.deepEqual(matchRoute("/"), { page: "dashboard" });
  assert.deepEqual(matchRoute("/agents"), { page: "agents" });
  assert.deepEqual(matchRoute("/agents/"), { page: "agents" });
  assert.deepEqual(matchRoute("/config"), { page: "config" });
  assert.deepEqual(matchRoute("/pipelines/build"), { page: "pipeline", pipeline: "build", pageNumber: 1 });
  assert.deepEqual(matchRoute("/pipelines/build", "?page=3"), {
    page: "pipeline",
    pipeline: "build",
    pageNumber: 3,
  });
  assert.deepEqual(matchRoute("/pipelines/build/12"), {
    page: "run",
    pipeline: "build",
    counter: 12,
    tab: "changes",
  });
  assert.deepEqual(matchRoute("/pipelines/build/12", "?tab=vsm"), {
    page: "run",
    pipeline: "build",
    counter: 12,
    tab: "vsm",
  });
  assert.deepEqual(matchRoute("/pipelines/build/12/test/2/unit"), {
    page: "job",
    pipeline: "build",
    counter: 12,
    stage: "test",
    stageCounter: 2,
    job: "unit",
    tab: "console",
  });
  assert.equal(
    (matchRoute("/pipelines/build/12/test/2/unit", "?tab=artifacts") as { tab: string }).tab,
    "artifacts",
  );
  // `latest` stands for the newest run of the stage (links printed by the CLI and from agents).
  assert.equal(
    (matchRoute("/pipelines/build/12/test/latest/unit") as { stageCounter: unknown }).stageCounter,
    "latest",
  );
});

test("rejects malformed paths and bad counters", () => {
  for (const path of [
    "/nope",
    "/pipelines",
    "/pipelines/a/0",
    "/pipelines/a/x",
    "/pipelines/a/1/s",
    "/pipelines/a/1/s/x/j",
    "/pipelines/a/1/s/1/j/extra",
    "/agents/x",
    "/pipelines/%E0%A4%A",
  ]) {
    assert.equal(matchRoute(path).page, "not-found", path);
  }
  assert.equal((matchRoute("/pipelines/a", "?page=-2") as { pageNumber: number }).pageNumber, 1);
  assert.equal((matchRoute("/pipelines/a", "?page=abc") as { pageNumber: number }).pageNumber, 1);
});

test("links round-trip through the matcher, names with odd characters included", () => {
  const name = "web app/ü #1";
  const link = href.job(name, 4, "deploy prod", 2, "run?x", "artifacts");
  const [path, search] = link.split("?tab=") as [string, string];
  assert.deepEqual(matchRoute(path, `?tab=${search}`), {
    page: "job",
    pipeline: name,
    counter: 4,
    stage: "deploy prod",
    stageCounter: 2,
    job: "run?x",
    tab: "artifacts",
  });
  assert.equal(href.pipeline("a", 1), "/pipelines/a");
  assert.equal(href.pipeline("a", 2), "/pipelines/a?page=2");
  assert.equal(href.run("a", 3), "/pipelines/a/3");
  assert.equal(href.run("a", 3, "vsm"), "/pipelines/a/3?tab=vsm");
});

test("an agent's current job becomes a job page link", () => {
  assert.equal(jobLocatorHref("build/7/test/1/unit"), "/pipelines/build/7/test/1/unit");
  assert.equal(jobLocatorHref("build/7/test"), undefined);
  assert.equal(jobLocatorHref("build/x/test/1/unit"), undefined);
});

test("the Roles pages: the list and one role, names URI-encoded both ways", () => {
  assert.deepEqual(matchRoute("/roles"), { page: "roles" });
  assert.deepEqual(matchRoute("/roles/app-ci"), { page: "role", role: "app-ci" });
  assert.deepEqual(matchRoute(href.role("a+b=c,d.e@f")), { page: "role", role: "a+b=c,d.e@f" });
  assert.equal(href.roles(), "/roles");
  assert.deepEqual(matchRoute("/roles/a/b"), { page: "not-found", path: "/roles/a/b" });
});

test("managed policies, instance profiles, users and the account page round-trip through the matcher", () => {
  assert.deepEqual(matchRoute("/policies"), { page: "policies", policy: undefined });
  const policy = href.policies("read only+all");
  const [pathname, search] = policy.split("?");
  assert.deepEqual(matchRoute(pathname!, `?${search}`), { page: "policies", policy: "read only+all" });
  assert.deepEqual(matchRoute(href.instanceProfiles()), { page: "instance-profiles" });
  assert.deepEqual(matchRoute(href.users()), { page: "users" });
  assert.deepEqual(matchRoute(href.user("ann.o@x")), { page: "user", user: "ann.o@x" });
  assert.deepEqual(matchRoute(href.account()), { page: "account" });
  assert.deepEqual(matchRoute("/users/a/b"), { page: "not-found", path: "/users/a/b" });
  assert.deepEqual(matchRoute("/account/x"), { page: "not-found", path: "/account/x" });
});

test("the Stacks and Instances pages: lists, a stack's tabs, ids URI-encoded both ways", () => {
  assert.deepEqual(matchRoute("/stacks"), { page: "stacks", all: false });
  assert.deepEqual(matchRoute("/stacks", "?all=true"), { page: "stacks", all: true });
  assert.deepEqual(matchRoute("/stacks/web"), { page: "stack", stack: "web", tab: "events" });
  assert.deepEqual(matchRoute("/stacks/web", "?tab=outputs"), {
    page: "stack",
    stack: "web",
    tab: "outputs",
  });
  assert.equal((matchRoute("/stacks/web", "?tab=nope") as { tab: string }).tab, "events");
  const arn = "arn:aws:cloudformation:us-east-1:000000000000:stack/web/0f1e2d3c-aaaa-bbbb-cccc-000000000000";
  assert.equal(href.stack(arn, "resources"), `/stacks/${encodeURIComponent(arn)}?tab=resources`);
  const [path, search] = href.stack(arn, "resources").split("?") as [string, string];
  assert.deepEqual(matchRoute(path, `?${search}`), { page: "stack", stack: arn, tab: "resources" });
  assert.equal(href.stack("web"), "/stacks/web");
  assert.equal(href.stacks(true), "/stacks?all=true");
  assert.deepEqual(matchRoute("/instances"), { page: "instances", all: false });
  assert.deepEqual(matchRoute("/instances", "?all=true"), { page: "instances", all: true });
  assert.deepEqual(matchRoute(href.instance("i-0123456789abcdef0")), {
    page: "instance",
    instance: "i-0123456789abcdef0",
  });
  assert.equal(matchRoute("/stacks/web/events").page, "not-found");
  assert.equal(matchRoute("/instances/i-1/console").page, "not-found");
});
