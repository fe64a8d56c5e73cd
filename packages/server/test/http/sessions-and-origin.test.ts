/**
 * Web UI sessions live on the server: logout and API token rotation end them for good. Cookie-authenticated
 * writes from another origin (or `Origin: null`, or garbage) are a 403 problem, never a 500; a malformed
 * percent-escape in a path is a 400 problem with a Fawkes code.
 */
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { sql } from "kysely";
import { ApiRoutes, CSRF_HEADER, ErrorCode, apiPath, type Problem } from "@fawkes/protocol";
import { createGitRepo, waitFor, writePipelineDir } from "@fawkes/testing";
import {
  rawRequest,
  startHttpServer,
  type HttpServer,
  type RawResponse,
  demoPipelineYaml,
} from "./http-server.ts";

const pipelineYaml = (repo: string): string => demoPipelineYaml(repo, "sessions");

function expectProblem(answer: RawResponse, status: number, code: string): void {
  assert.equal(answer.status, status, answer.body);
  assert.match(answer.headers["content-type"] ?? "", /^application\/problem\+json/, answer.body);
  assert.equal((JSON.parse(answer.body) as Problem).code, code, answer.body);
}

async function logInWithCsrf(server: HttpServer, token: string): Promise<{ cookie: string; csrf: string }> {
  const answer = await rawRequest(server, {
    method: "POST",
    target: ApiRoutes.session,
    body: JSON.stringify({ token }),
  });
  assert.equal(answer.status, 200, answer.body);
  const cookie = /^(fawkes_session=[^;]+)/.exec(answer.headers["set-cookie"] ?? "")?.[1];
  assert.ok(cookie, `no session cookie in ${JSON.stringify(answer.headers)}`);
  const csrf = (JSON.parse(answer.body) as { csrfToken: string }).csrfToken;
  return { cookie, csrf };
}

async function logIn(server: HttpServer, token: string): Promise<string> {
  return (await logInWithCsrf(server, token)).cookie;
}

const listPipelines = (server: HttpServer, headers: Record<string, string>): Promise<RawResponse> =>
  rawRequest(server, { method: "GET", target: ApiRoutes.pipelines, headers });

async function startWithPipeline(t: test.TestContext): Promise<HttpServer> {
  const repo = await createGitRepo(t, null);
  const config = await writePipelineDir(t, { "demo.gocd.yaml": pipelineYaml(repo.path) });
  const server = await startHttpServer(t, { pipelineSources: [config] });
  await waitFor(
    async () =>
      (await listPipelines(server, { authorization: `Bearer ${server.keys.apiToken}` })).body.includes(
        '"demo"',
      ),
    { message: "pipeline demo to load" },
  );
  return server;
}

test(
  "cookie writes from another origin are refused with 403, never a 500",
  { timeout: 60_000 },
  async (t) => {
    const server = await startWithPipeline(t);
    const { cookie, csrf } = await logInWithCsrf(server, server.keys.apiToken);
    const pause = (origin?: string): Promise<RawResponse> =>
      rawRequest(server, {
        method: "POST",
        target: apiPath(ApiRoutes.pause, { name: "demo" }),
        // With the session's CSRF token: the origin alone must refuse these.
        headers: { cookie, [CSRF_HEADER]: csrf, ...(origin !== undefined && { origin }) },
        body: JSON.stringify({ reason: "cross-origin" }),
      });
    for (const origin of [
      "null",
      "not a url",
      "http://evil.example",
      "http://",
      `https://${server.host}:1`,
    ]) {
      expectProblem(await pause(origin), 403, ErrorCode.forbidden);
    }
    const status = await rawRequest(server, {
      method: "GET",
      target: apiPath(ApiRoutes.pipelineStatus, { name: "demo" }),
      headers: { cookie },
    });
    assert.equal((JSON.parse(status.body) as { paused: boolean }).paused, false, "a refused write paused it");
    // The same write from the server's own origin goes through.
    assert.equal((await pause(`http://${server.host}:${server.port}`)).status, 204);
  },
);

test(
  "a cookie write without the session's CSRF token is refused and changes nothing; bearer writes need none",
  { timeout: 60_000 },
  async (t) => {
    const server = await startWithPipeline(t);
    const { cookie, csrf } = await logInWithCsrf(server, server.keys.apiToken);
    const other = await logInWithCsrf(server, server.keys.apiToken);
    assert.notEqual(other.csrf, csrf, "each session has its own CSRF token");
    const origin = `http://${server.host}:${server.port}`;
    const pause = (headers: Record<string, string>): Promise<RawResponse> =>
      rawRequest(server, {
        method: "POST",
        target: apiPath(ApiRoutes.pause, { name: "demo" }),
        headers: { cookie, origin, ...headers },
        body: JSON.stringify({ reason: "csrf" }),
      });
    const paused = async (): Promise<boolean> =>
      (
        JSON.parse(
          (
            await rawRequest(server, {
              method: "GET",
              target: apiPath(ApiRoutes.pipelineStatus, { name: "demo" }),
              headers: { cookie },
            })
          ).body,
        ) as { paused: boolean }
      ).paused;
    const attempts: Record<string, string>[] = [
      {},
      { [CSRF_HEADER]: "" },
      { [CSRF_HEADER]: "wrong" },
      { [CSRF_HEADER]: other.csrf }, // another session's token
      { [CSRF_HEADER]: csrf.slice(0, -1) },
    ];
    for (const headers of attempts) {
      expectProblem(await pause(headers), 403, ErrorCode.csrfTokenInvalid);
    }
    assert.equal(await paused(), false, "a refused write paused the pipeline");
    // GET /api/v1/session gives the page its token again (after a reload).
    const session = JSON.parse(
      (await rawRequest(server, { method: "GET", target: ApiRoutes.session, headers: { cookie } })).body,
    ) as { authenticated: boolean; csrfToken: string; user: string };
    assert.deepEqual(session, { authenticated: true, user: "admin", csrfToken: csrf });
    assert.equal((await pause({ [CSRF_HEADER]: session.csrfToken })).status, 204);
    assert.equal(await paused(), true);
    // A bearer token is no ambient credential: it needs no CSRF token.
    const unpause = await rawRequest(server, {
      method: "POST",
      target: apiPath(ApiRoutes.unpause, { name: "demo" }),
      headers: { authorization: `Bearer ${server.keys.apiToken}` },
    });
    assert.equal(unpause.status, 204, unpause.body);
  },
);

test("logout and token rotation end sessions on the server", { timeout: 60_000 }, async (t) => {
  const server = await startWithPipeline(t);
  const firstToken = server.keys.apiToken;
  const cookie = await logIn(server, firstToken);
  assert.equal((await listPipelines(server, { cookie })).status, 200);

  // Only a hash of the session id is stored.
  const { rows } = await sql<{ id_hash: string }>`select id_hash from sessions`.execute(server.engine.ctx.db);
  assert.equal(rows.length, 1);
  assert.ok(!JSON.stringify(rows).includes(cookie.split("=")[1]!));

  // Logout: the cookie the browser had (or a stolen copy of it) stops working.
  const logout = await rawRequest(server, {
    method: "DELETE",
    target: ApiRoutes.session,
    headers: { cookie },
  });
  assert.equal(logout.status, 204);
  expectProblem(await listPipelines(server, { cookie }), 401, ErrorCode.unauthorized);
  const session = await rawRequest(server, { method: "GET", target: ApiRoutes.session, headers: { cookie } });
  assert.deepEqual(JSON.parse(session.body), { authenticated: false });

  // Rotation: a new token, shown once; the old token and every session stop working.
  const other = await logIn(server, firstToken);
  const rotated = await rawRequest(server, {
    method: "POST",
    target: ApiRoutes.apiTokenRotate,
    headers: { authorization: `Bearer ${firstToken}` },
  });
  assert.equal(rotated.status, 200, rotated.body);
  const { token } = JSON.parse(rotated.body) as { token: string };
  assert.notEqual(token, firstToken);
  expectProblem(
    await listPipelines(server, { authorization: `Bearer ${firstToken}` }),
    401,
    ErrorCode.unauthorized,
  );
  expectProblem(await listPipelines(server, { cookie: other }), 401, ErrorCode.unauthorized);
  assert.equal((await listPipelines(server, { authorization: `Bearer ${token}` })).status, 200);
  const file = path.join(server.dataDir, "keys", "api-token");
  assert.equal((await readFile(file, "utf8")).trim(), token);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  // The old token no longer logs in; the new one does.
  const wrong = await rawRequest(server, {
    method: "POST",
    target: ApiRoutes.session,
    body: JSON.stringify({ token: firstToken }),
  });
  expectProblem(wrong, 401, ErrorCode.unauthorized);
  assert.equal((await listPipelines(server, { cookie: await logIn(server, token) })).status, 200);
});

test("a malformed percent-escape in a path is a 400 problem", { timeout: 60_000 }, async (t) => {
  const server = await startHttpServer(t);
  const user = { authorization: `Bearer ${server.keys.apiToken}` };
  for (const target of ["/api/v1/pipelines/%zz", "/api/v1/%", "/%E0%A4%A", "/agent/v1/jobs/1/artifacts/%"]) {
    const answer = await rawRequest(server, { method: "GET", target, headers: user });
    expectProblem(answer, 400, ErrorCode.badRequest);
  }
  assert.equal((await rawRequest(server, { method: "GET", target: ApiRoutes.health })).status, 200);
});
