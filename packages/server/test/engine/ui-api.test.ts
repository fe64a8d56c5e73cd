/** What the web UI relies on: cookie sessions, the app shell for client routes, changes and the value stream map. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import test from "node:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { RunChangesDto, VsmDto } from "@fawkes/protocol";
import { createGitRepo, startFawkes, waitForRun, yamlString } from "@fawkes/testing";

const yaml = (repo: string) => `format_version: 10
pipelines:
  up:
    materials:
      src: {git: ${yamlString(repo)}, branch: main}
    stages:
      - build: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
  down:
    materials:
      up: {pipeline: up, stage: build}
    stages:
      - deploy: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`;

test(
  "sessions: the API token buys an HttpOnly cookie that authenticates the UI's requests",
  { timeout: 60_000 },
  async (t) => {
    const repo = await createGitRepo(t, null);
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "p.gocd.yaml": yaml(repo.path) },
      expectPipelines: ["up", "down"],
      agents: 0,
    });
    const base = fawkes.server.url;
    assert.equal((await fetch(`${base}/api/v1/pipelines`)).status, 401);
    const wrong = await fetch(`${base}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: "nope" }),
    });
    assert.equal(wrong.status, 401);
    const login = await fetch(`${base}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: fawkes.server.token }),
    });
    assert.equal(login.status, 200);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers.get("set-cookie") ?? "";
    assert.match(cookie, /^fawkes_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
    const session = cookie.split(";")[0]!;
    assert.equal((await fetch(`${base}/api/v1/pipelines`, { headers: { cookie: session } })).status, 200);
    assert.deepEqual(await (await fetch(`${base}/api/v1/session`, { headers: { cookie: session } })).json(), {
      authenticated: true,
      user: "admin",
      csrfToken,
    });
    const forged = await fetch(`${base}/api/v1/pipelines`, {
      headers: { cookie: `fawkes_session=${Date.now()}.forged` },
    });
    assert.equal(forged.status, 401);
    const crossSite = await fetch(`${base}/api/v1/pipelines/up/pause`, {
      method: "POST",
      headers: {
        cookie: session,
        origin: "http://evil.example",
        "x-fawkes-csrf": csrfToken,
        "content-type": "application/json",
      },
      body: "{}",
    });
    assert.equal(crossSite.status, 403);
    assert.equal((await fawkes.api.status("up")).paused, false, "the refused request changed nothing");

    const page = await fetch(`${base}/agents`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.equal(page.headers.get("cache-control"), "no-cache");
    const api404 = await fetch(`${base}/api/v1/nope`, {
      headers: { authorization: `Bearer ${fawkes.server.token}` },
    });
    assert.equal(api404.status, 404);
    assert.equal(((await api404.json()) as { code: string }).code, "FAWKES_NOT_FOUND");
  },
);

/** One GET with exactly the headers given (fetch would add Accept-Encoding and decode the body). */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      request(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      })
        .on("error", reject)
        .end();
    },
  );
}

test(
  "the UI's assets are sent as the build compressed them, chosen by Accept-Encoding",
  { timeout: 60_000 },
  async (t) => {
    const fawkes = await startFawkes(t, { pipelineFiles: {}, agents: 0 });
    const assets = path.resolve(import.meta.dirname, "../../../web/dist/assets");
    const script = readdirSync(assets).find((name) => name.endsWith(".js"));
    assert.ok(script, `no script in ${assets}: the web UI is not built (npm install builds it)`);
    const original = readFileSync(path.join(assets, script));
    const url = `${fawkes.server.url}/assets/${script}`;

    const br = await rawGet(url, { "accept-encoding": "gzip, br" });
    assert.equal(br.status, 200);
    assert.equal(br.headers["content-encoding"], "br");
    assert.equal(br.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.match(String(br.headers.vary), /accept-encoding/i);
    assert.ok(br.body.length < original.length / 2, "the brotli variant is the small one");
    assert.deepEqual(brotliDecompressSync(br.body), original);

    const gzip = await rawGet(url, { "accept-encoding": "gzip" });
    assert.equal(gzip.headers["content-encoding"], "gzip");
    assert.deepEqual(gunzipSync(gzip.body), original);

    const plain = await rawGet(url, {});
    assert.equal(plain.status, 200);
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.match(String(plain.headers["content-type"]), /javascript/);
    assert.deepEqual(plain.body, original);
  },
);

test(
  "run changes list the commits since the previous run; the value stream map links upstream and downstream",
  { timeout: 60_000 },
  async (t) => {
    const repo = await createGitRepo(t, null);
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "p.gocd.yaml": yaml(repo.path) },
      expectPipelines: ["up", "down"],
    });
    const { api } = fawkes;
    await repo.commit({ "a.txt": "1" }, "first");
    await api.notify(repo.path);
    await waitForRun(api, "down", 1, (run) => run.result === "passed");
    await repo.commit({ "a.txt": "2" }, "second change");
    const head = await repo.commit({ "b.txt": "3" }, "third change");
    await api.notify(repo.path);
    await waitForRun(api, "down", 2, (run) => run.result === "passed");

    const changes = await api.get<RunChangesDto>("/api/v1/pipelines/up/runs/2/changes");
    assert.equal(changes.materials.length, 1);
    assert.equal(changes.materials[0]!.to, head);
    assert.deepEqual(
      changes.materials[0]!.commits.map((c) => c.subject),
      ["third change", "second change"],
    );
    assert.deepEqual(changes.materials[0]!.commits[0]!.files, ["b.txt"]);

    const vsm = await api.get<VsmDto>("/api/v1/pipelines/up/runs/2/vsm");
    const byId = new Map(vsm.nodes.map((n) => [n.id, n]));
    assert.equal(byId.get("run:up/2")?.level, 0);
    assert.equal(byId.get("run:down/2")?.level, 1);
    const git = vsm.nodes.find((n) => n.kind === "git");
    assert.equal(git?.detail, head);
    assert.equal(git?.level, -1);
    assert.ok(vsm.edges.some((e) => e.from === "run:up/2" && e.to === "run:down/2"));
    assert.ok(vsm.edges.some((e) => e.from === git?.id && e.to === "run:up/2"));
    const fromDownstream = await api.get<VsmDto>("/api/v1/pipelines/down/runs/2/vsm");
    assert.equal(fromDownstream.nodes.find((n) => n.id === "run:up/2")?.level, -1);
  },
);
