import assert from "node:assert/strict";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { createGitRepo, git, tempDir, waitFor } from "@fawkes/testing";
import { lsRemote, MaterialWatcher, type MaterialWatcherOptions } from "../../src/materials/index.ts";

const hour = 3_600_000;

interface LogEntry {
  level: string;
  obj: object;
  msg: string;
}

/** A watcher with a recording logger and a recording onRevision, closed when the test ends. */
function startWatcher(t: TestContext, options: Partial<MaterialWatcherOptions> = {}) {
  const revisions: [string, string][] = [];
  const logs: LogEntry[] = [];
  const record = (level: string) => (obj: object, msg: string) => logs.push({ level, obj, msg });
  const watcher = new MaterialWatcher({
    onRevision: (fingerprint, sha) => {
      revisions.push([fingerprint, sha]);
    },
    logger: { info: record("info"), warn: record("warn"), error: record("error") },
    ...options,
  });
  t.after(() => watcher.close());
  return { watcher, revisions, logs };
}

/** ls-remote that counts calls and the most that ran at once (per material and overall). */
function countingLsRemote() {
  const stats = {
    calls: 0,
    inFlight: 0,
    maxInFlight: 0,
    perBranch: new Map<string, number>(),
    maxPerBranch: 0,
  };
  const fn = async (url: string, branch: string) => {
    stats.calls++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const mine = (stats.perBranch.get(branch) ?? 0) + 1;
    stats.perBranch.set(branch, mine);
    stats.maxPerBranch = Math.max(stats.maxPerBranch, mine);
    try {
      return await lsRemote(url, branch);
    } finally {
      stats.inFlight--;
      stats.perBranch.set(branch, (stats.perBranch.get(branch) ?? 1) - 1);
    }
  };
  return { fn, stats };
}

test("a commit reaches onRevision through notifyUrl at once, not at the next poll", async (t) => {
  const repo = await createGitRepo(t, { "a.txt": "1" });
  const first = await repo.head();
  // onNotified hears of the push before the check that finds its commit (idle agents fetch alongside).
  const notified: string[] = [];
  const { watcher, revisions } = startWatcher(t, {
    onNotified: (material) => notified.push(`${material.fingerprint} after ${revisions.length} revisions`),
  });
  watcher.watch([{ fingerprint: "m1", url: repo.path, branch: "main", pollIntervalMs: hour }]);
  await waitFor(() => revisions.length === 1, { message: "first revision" });
  assert.deepEqual(revisions, [["m1", first]]);

  const second = await repo.commit({ "a.txt": "2" });
  assert.equal(watcher.notifyUrl(repo.url, "other-branch"), 0);
  assert.equal(watcher.notifyUrl("https://example.com/other.git"), 0);
  assert.deepEqual(notified, []);
  assert.equal(watcher.notifyUrl(repo.url, "main"), 1);
  assert.deepEqual(notified, ["m1 after 1 revisions"]);
  await waitFor(() => revisions.length === 2, { timeoutMs: 5000, message: "revision after notify" });
  assert.deepEqual(revisions[1], ["m1", second]);
  assert.equal(watcher.known("m1"), second);

  // Nothing new: a further check finds the same sha and does not call onRevision.
  assert.equal(await watcher.checkNow("m1"), second);
  assert.equal(revisions.length, 2);
});

test("a seeded revision is not reported again after a restart", async (t) => {
  const repo = await createGitRepo(t, { "a.txt": "1" });
  const head = await repo.head();
  const { watcher, revisions } = startWatcher(t);
  watcher.watch([{ fingerprint: "seeded", url: repo.path, branch: "main", pollIntervalMs: 0 }]);
  watcher.setKnown("seeded", head);
  watcher.watch([
    { fingerprint: "seeded", url: repo.path, branch: "main", pollIntervalMs: 0 },
    { fingerprint: "from-db", url: repo.url, branch: "main", pollIntervalMs: 0, knownRevision: head },
  ]);
  assert.equal(await watcher.checkNow("seeded"), head);
  assert.equal(await watcher.checkNow("from-db"), head);
  assert.deepEqual(revisions, []);
  await assert.rejects(watcher.checkNow("unknown"), /not watched/);
});

test("concurrent notifies coalesce: one check runs, exactly one more is queued", async (t) => {
  const repo = await createGitRepo(t, { "a.txt": "1" });
  const { fn, stats } = countingLsRemote();
  const { watcher } = startWatcher(t, { lsRemote: fn });
  watcher.watch([{ fingerprint: "m", url: repo.path, branch: "main", pollIntervalMs: hour }]);
  await waitFor(() => stats.calls >= 1, { message: "first check" });
  await watcher.checkNow("m");
  stats.calls = 0;

  for (let i = 0; i < 10; i++) assert.equal(watcher.notifyUrl(repo.path), 1);
  // Joins the queued follow-up check rather than adding another.
  await watcher.checkNow("m");
  assert.equal(stats.calls, 2);
  assert.equal(stats.maxPerBranch, 1, "never two checks of one material at once");
});

test("at most four checks run at once", async (t) => {
  const repo = await createGitRepo(t, { "a.txt": "1" });
  const branches = ["b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8"];
  for (const branch of branches) await git(repo.path, ["branch", branch]);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let inFlight = 0;
  let started = 0;
  const { watcher, revisions } = startWatcher(t, {
    lsRemote: async (url, branch) => {
      started++;
      inFlight++;
      await gate;
      inFlight--;
      return lsRemote(url, branch);
    },
  });
  watcher.watch(
    branches.map((branch) => ({ fingerprint: branch, url: repo.path, branch, pollIntervalMs: hour })),
  );
  await waitFor(() => inFlight === 4, { message: "four checks in flight" });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(started, 4);
  release();
  await waitFor(() => revisions.length === 8, { message: "all materials checked" });
});

test("polling finds a commit without any notify", async (t) => {
  const repo = await createGitRepo(t, { "a.txt": "1" });
  const { watcher, revisions } = startWatcher(t);
  watcher.watch([{ fingerprint: "polled", url: repo.path, branch: "main", pollIntervalMs: 100 }]);
  await waitFor(() => revisions.length === 1, { message: "first revision" });
  const second = await repo.commit({ "a.txt": "2" });
  await waitFor(() => revisions.length === 2, { timeoutMs: 5000, message: "polled revision" });
  assert.deepEqual(revisions[1], ["polled", second]);
});

test("an unreachable repository is recorded as lastError and logged once", async (t) => {
  const missing = path.join(await tempDir(t), "gone");
  const secretUrl = "https://deploy:t0ken@127.0.0.1:9/acme/app.git";
  const { watcher, revisions, logs } = startWatcher(t);
  watcher.watch([
    { fingerprint: "gone", url: missing, branch: "main", pollIntervalMs: 50 },
    { fingerprint: "secret", url: secretUrl, branch: "main", pollIntervalMs: 0 },
  ]);
  await waitFor(() => watcher.lastError("gone"), { message: "error recorded" });
  assert.match(watcher.lastError("gone")!, /cannot reach git repository .*gone/);
  await assert.rejects(watcher.checkNow("gone"), /cannot reach/);
  await assert.rejects(watcher.checkNow("secret"), /cannot reach/);
  assert.doesNotMatch(watcher.lastError("secret")!, /t0ken|deploy/);
  assert.doesNotMatch(JSON.stringify(logs), /t0ken/);
  assert.equal(
    logs.filter((entry) => entry.level === "warn" && JSON.stringify(entry.obj).includes("gone")).length,
    1,
  );
  assert.deepEqual(revisions, []);
});

test("a missing branch and a failing handler are recorded; the revision is offered again", async (t) => {
  const repo = await createGitRepo(t, { "a.txt": "1" });
  const head = await repo.head();
  let failures = 1;
  const seen: string[] = [];
  const { watcher } = startWatcher(t, {
    onRevision: (_fingerprint, sha) => {
      seen.push(sha);
      if (failures-- > 0) throw new Error("database is locked");
    },
  });
  watcher.watch([
    { fingerprint: "m", url: repo.path, branch: "main", pollIntervalMs: 0 },
    { fingerprint: "nobranch", url: repo.path, branch: "nope", pollIntervalMs: 0 },
  ]);
  assert.equal(await watcher.checkNow("nobranch"), null);
  assert.match(watcher.lastError("nobranch")!, /branch nope not found/);
  await waitFor(() => watcher.lastError("m"), { message: "handler failure recorded" });
  assert.match(watcher.lastError("m")!, /database is locked/);
  assert.equal(watcher.known("m"), null);
  assert.equal(await watcher.checkNow("m"), head);
  assert.deepEqual(seen, [head, head]);
  assert.equal(watcher.known("m"), head);
  assert.equal(watcher.lastError("m"), null);
});

test("unwatched materials and a closed watcher stop checking", async (t) => {
  const repo = await createGitRepo(t, { "a.txt": "1" });
  const { fn, stats } = countingLsRemote();
  const { watcher } = startWatcher(t, { lsRemote: fn });
  watcher.watch([{ fingerprint: "m", url: repo.path, branch: "main", pollIntervalMs: hour }]);
  await watcher.checkNow("m");
  watcher.watch([]);
  assert.equal(watcher.notifyUrl(repo.path), 0);
  await watcher.close();
  const calls = stats.calls;
  watcher.watch([{ fingerprint: "n", url: repo.path, branch: "main", pollIntervalMs: 10 }]);
  assert.equal(watcher.notifyUrl(repo.path), 0);
  assert.equal(stats.calls, calls);
});
