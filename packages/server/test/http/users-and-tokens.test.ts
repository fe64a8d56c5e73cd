/**
 * Users over real HTTP: roles enforced on the routes (a viewer cannot trigger, an operator cannot change keys
 * or users, a group grant adds to the global role), password logins for the web UI and `fawkes login`, their
 * rate limit and no user enumeration, personal tokens that stop working on the next request after revoke or
 * disable, and secrets stored only as hashes.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { sql } from "kysely";
import {
  ApiRoutes,
  CSRF_HEADER,
  ErrorCode,
  apiPath,
  type CreatedApiTokenDto,
  type MeDto,
  type Problem,
} from "@fawkes/protocol";
import { createGitRepo, waitFor, writePipelineDir } from "@fawkes/testing";
import {
  rawRequest,
  startHttpServer,
  type HttpServer,
  type RawResponse,
  demoPipelineYaml,
} from "./http-server.ts";

const PASSWORD = "correct horse battery staple";

const repos = new WeakMap<HttpServer, { commit(files: Record<string, string>): Promise<string> }>();

/** The repository has no commit until this: no run can start before, a manual trigger can after. */
const firstCommit = async (server: HttpServer): Promise<void> => {
  await repos.get(server)!.commit({ "README.md": "demo" });
};

async function startWithPipeline(t: test.TestContext): Promise<HttpServer> {
  const repo = await createGitRepo(t, null);
  const config = await writePipelineDir(t, { "demo.gocd.yaml": demoPipelineYaml(repo.path, "web") });
  const server = await startHttpServer(t, { pipelineSources: [config] });
  await waitFor(
    async () =>
      (
        await call(server, "GET", ApiRoutes.pipelines, { authorization: `Bearer ${server.keys.apiToken}` })
      ).body.includes('"demo"'),
    { message: "pipeline demo to load" },
  );
  repos.set(server, repo);
  return server;
}

function call(
  server: HttpServer,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<RawResponse> {
  return rawRequest(server, {
    method,
    target,
    headers,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

const admin = (server: HttpServer): Record<string, string> => ({
  authorization: `Bearer ${server.keys.apiToken}`,
});
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

function expectProblem(answer: RawResponse, status: number, code: string): Problem {
  assert.equal(answer.status, status, answer.body);
  const problem = JSON.parse(answer.body) as Problem;
  assert.equal(problem.code, code, answer.body);
  return problem;
}

async function createUser(server: HttpServer, name: string, role: string): Promise<void> {
  const answer = await call(server, "POST", ApiRoutes.users, admin(server), {
    name,
    role,
    password: PASSWORD,
  });
  assert.equal(answer.status, 201, answer.body);
}

async function login(server: HttpServer, user: string, password = PASSWORD): Promise<RawResponse> {
  return call(server, "POST", ApiRoutes.login, {}, { user, password });
}

async function tokenOf(server: HttpServer, user: string): Promise<string> {
  const answer = await login(server, user);
  assert.equal(answer.status, 201, answer.body);
  return (JSON.parse(answer.body) as CreatedApiTokenDto).token;
}

const trigger = (server: HttpServer, headers: Record<string, string>): Promise<RawResponse> =>
  call(server, "POST", apiPath(ApiRoutes.trigger, { name: "demo" }), headers, {
    revisions: {},
    variables: {},
  });

async function runCount(server: HttpServer): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*) as n from pipeline_runs`.execute(
    server.engine.ctx.db,
  );
  return Number(rows[0]!.n);
}

test(
  "roles decide what each user may do, globally and per pipeline group",
  { timeout: 90_000 },
  async (t) => {
    const server = await startWithPipeline(t);
    await createUser(server, "vera", "viewer");
    await createUser(server, "otto", "operator");
    const viewer = bearer(await tokenOf(server, "vera"));
    const operator = bearer(await tokenOf(server, "otto"));

    // A viewer reads, and cannot trigger, pause or approve; nothing starts.
    assert.equal((await call(server, "GET", ApiRoutes.pipelines, viewer)).status, 200);
    assert.equal(
      (await call(server, "GET", apiPath(ApiRoutes.pipelineStatus, { name: "demo" }), viewer)).status,
      200,
    );
    expectProblem(await trigger(server, viewer), 403, ErrorCode.permissionDenied);
    expectProblem(
      await call(server, "POST", apiPath(ApiRoutes.pause, { name: "demo" }), viewer, { reason: "no" }),
      403,
      ErrorCode.permissionDenied,
    );
    assert.equal(await runCount(server), 0);
    const me = JSON.parse((await call(server, "GET", ApiRoutes.me, viewer)).body) as MeDto;
    assert.deepEqual(me, {
      user: "vera",
      bootstrap: false,
      role: "viewer",
      groups: {},
      pipelines: { demo: "view" },
      global: "view",
    });

    // An operator cannot create access keys, users or change agents; the key list is unchanged.
    const keysBefore = (await call(server, "GET", ApiRoutes.credentials, admin(server))).body;
    expectProblem(
      await call(server, "POST", ApiRoutes.credentials, operator, {
        name: "sneaky",
        policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
      }),
      403,
      ErrorCode.permissionDenied,
    );
    expectProblem(
      await call(server, "POST", ApiRoutes.users, operator, { name: "mallory", role: "admin" }),
      403,
      ErrorCode.permissionDenied,
    );
    expectProblem(
      await call(server, "PATCH", apiPath(ApiRoutes.user, { user: "otto" }), operator, { role: "admin" }),
      403,
      ErrorCode.permissionDenied,
    );
    assert.equal((await call(server, "GET", ApiRoutes.credentials, admin(server))).body, keysBefore);
    // …but operates: the trigger goes through.
    await firstCommit(server);
    assert.equal((await trigger(server, operator)).status, 202);
    await waitFor(async () => (await runCount(server)) >= 1, { message: "the operator's run" });
    const triggeredBy = await sql<{ triggered_by: string }>`select * from pipeline_runs`.execute(
      server.engine.ctx.db,
    );
    assert.match(JSON.stringify(triggeredBy.rows), /otto/, "the run names the user who triggered it");

    // A grant in the pipeline's group raises the viewer there (GoCD's operate permission on a group).
    const granted = await call(
      server,
      "PUT",
      apiPath(ApiRoutes.userGroup, { user: "vera", group: "web" }),
      admin(server),
      { role: "operator" },
    );
    assert.equal(granted.status, 200, granted.body);
    assert.equal(
      (JSON.parse((await call(server, "GET", ApiRoutes.me, viewer)).body) as MeDto).pipelines.demo,
      "operate",
    );
    assert.equal(
      (await call(server, "POST", apiPath(ApiRoutes.pause, { name: "demo" }), viewer, { reason: "ok" }))
        .status,
      204,
    );
    // A grant in another group gives nothing here; removing the grant takes it back at once.
    await call(server, "DELETE", apiPath(ApiRoutes.userGroup, { user: "vera", group: "web" }), admin(server));
    await call(server, "PUT", apiPath(ApiRoutes.userGroup, { user: "vera", group: "other" }), admin(server), {
      role: "admin",
    });
    expectProblem(
      await call(server, "POST", apiPath(ApiRoutes.unpause, { name: "demo" }), viewer),
      403,
      ErrorCode.permissionDenied,
    );
    // Still global viewer: group admin elsewhere is no global admin.
    expectProblem(await call(server, "GET", ApiRoutes.users, viewer), 403, ErrorCode.permissionDenied);
  },
);

test(
  "a user logs in with a password, and a cookie write needs the CSRF token",
  { timeout: 60_000 },
  async (t) => {
    const server = await startWithPipeline(t);
    await createUser(server, "otto", "operator");
    const answer = await call(server, "POST", ApiRoutes.session, {}, { user: "otto", password: PASSWORD });
    assert.equal(answer.status, 200, answer.body);
    const setCookie = answer.headers["set-cookie"] ?? "";
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Path=\//);
    const cookie = /^(fawkes_session=[^;]+)/.exec(setCookie)![1]!;
    const { csrfToken, user } = JSON.parse(answer.body) as { csrfToken: string; user: string };
    assert.equal(user, "otto");
    const origin = `http://${server.host}:${server.port}`;
    expectProblem(await trigger(server, { cookie, origin }), 403, ErrorCode.csrfTokenInvalid);
    expectProblem(
      await trigger(server, { cookie, origin: "http://evil.example", [CSRF_HEADER]: csrfToken }),
      403,
      ErrorCode.forbidden,
    );
    assert.equal(await runCount(server), 0, "a refused write started a run");
    await firstCommit(server);
    assert.equal((await trigger(server, { cookie, origin, [CSRF_HEADER]: csrfToken })).status, 202);
    // The session is the user's: an operator's cookie does not reach admin routes.
    expectProblem(await call(server, "GET", ApiRoutes.users, { cookie }), 403, ErrorCode.permissionDenied);
    // A disabled user's session ends.
    await call(server, "PATCH", apiPath(ApiRoutes.user, { user: "otto" }), admin(server), { disabled: true });
    expectProblem(await call(server, "GET", ApiRoutes.pipelines, { cookie }), 401, ErrorCode.unauthorized);
  },
);

test(
  "wrong password and unknown user answer alike, and failures are rate limited",
  { timeout: 90_000 },
  async (t) => {
    const server = await startWithPipeline(t);
    await createUser(server, "otto", "operator");
    const wrong = await login(server, "otto", "not the password!!");
    const unknown = await login(server, "nobody", "not the password!!");
    const disabledUserAnswer = expectProblem(wrong, 401, ErrorCode.loginFailed);
    assert.deepEqual(JSON.parse(unknown.body), disabledUserAnswer, "an unknown user is told apart");
    assert.equal(unknown.status, wrong.status);
    // The web UI's login answers the same way.
    const webWrong = await call(server, "POST", ApiRoutes.session, {}, { user: "otto", password: "nope" });
    const webUnknown = await call(
      server,
      "POST",
      ApiRoutes.session,
      {},
      { user: "nobody", password: "nope" },
    );
    assert.equal(webWrong.body, webUnknown.body);

    // 10 failures a minute per address: the 11th login is refused even with the right password.
    for (let i = 0; i < 6; i++)
      expectProblem(await login(server, `guess${i}`, "wrong"), 401, ErrorCode.loginFailed);
    const limited = await login(server, "otto");
    const problem = expectProblem(limited, 429, ErrorCode.tooManyLoginAttempts);
    const retryAfter = Number(limited.headers["retry-after"]);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${limited.headers["retry-after"]}`);
    assert.doesNotMatch(problem.detail, /otto|exist/);
    // An unknown user is limited alike.
    expectProblem(await login(server, "nobody"), 429, ErrorCode.tooManyLoginAttempts);
    const { rows } = await sql`select * from api_tokens`.execute(server.engine.ctx.db);
    assert.equal(rows.length, 0, "a refused login created a token");
  },
);

test(
  "personal tokens: revoked, expired with their user, never stored in clear",
  { timeout: 90_000 },
  async (t) => {
    const server = await startWithPipeline(t);
    await createUser(server, "otto", "operator");
    const loginAnswer = JSON.parse((await login(server, "otto")).body) as CreatedApiTokenDto;
    assert.match(loginAnswer.token, /^fwk_[A-Za-z0-9_-]{43}$/);
    const first = bearer(loginAnswer.token);
    const created = await call(server, "POST", ApiRoutes.tokens, first, { name: "ci", expiresInDays: 30 });
    assert.equal(created.status, 201, created.body);
    const second = JSON.parse(created.body) as CreatedApiTokenDto;
    assert.equal(second.user, "otto");
    assert.ok(second.expiresAt! > Date.now() + 29 * 86_400_000);
    const listed = JSON.parse((await call(server, "GET", ApiRoutes.tokens, first)).body) as {
      tokens: { id: string; name: string }[];
    };
    assert.deepEqual(
      listed.tokens.map((token) => token.name),
      ["fawkes login", "ci"],
    );
    assert.ok(!JSON.stringify(listed).includes("fwk_"), "a listing shows a token");
    // An operator cannot list or make others' tokens.
    expectProblem(
      await call(server, "GET", `${ApiRoutes.tokens}?all=true`, first),
      403,
      ErrorCode.permissionDenied,
    );
    expectProblem(
      await call(server, "POST", ApiRoutes.tokens, first, { name: "x", user: "admin" }),
      403,
      ErrorCode.permissionDenied,
    );

    // Only hashes reach the database.
    const dump = JSON.stringify(
      await Promise.all(
        ["users", "api_tokens", "sessions"].map(
          async (table) => (await sql`select * from ${sql.table(table)}`.execute(server.engine.ctx.db)).rows,
        ),
      ),
    );
    for (const secret of [PASSWORD, loginAnswer.token, second.token, second.token.slice(4)])
      assert.ok(!dump.includes(secret), "a secret is in the database in clear");
    assert.match(dump, /scrypt\$1\$15\$8\$1\$/);

    // Revoke: refused on the very next request; the other token still works.
    const revoked = await call(server, "DELETE", apiPath(ApiRoutes.token, { tokenId: second.id }), first);
    assert.equal(revoked.status, 204, revoked.body);
    expectProblem(
      await call(server, "GET", ApiRoutes.pipelines, bearer(second.token)),
      401,
      ErrorCode.unauthorized,
    );
    assert.equal((await call(server, "GET", ApiRoutes.pipelines, first)).status, 200);
    // Someone else's token id is "not found" to a non-admin.
    const adminsOwn = await call(server, "POST", ApiRoutes.tokens, admin(server), {
      name: "a",
      user: "otto",
    });
    assert.equal(adminsOwn.status, 201);

    // Disabling the user stops every token of theirs at once; enabling brings them back; deleting ends them.
    await call(server, "PATCH", apiPath(ApiRoutes.user, { user: "otto" }), admin(server), { disabled: true });
    expectProblem(await call(server, "GET", ApiRoutes.pipelines, first), 401, ErrorCode.unauthorized);
    await call(server, "PATCH", apiPath(ApiRoutes.user, { user: "otto" }), admin(server), {
      disabled: false,
    });
    assert.equal((await call(server, "GET", ApiRoutes.pipelines, first)).status, 200);
    // A role change applies to the next request.
    await call(server, "PATCH", apiPath(ApiRoutes.user, { user: "otto" }), admin(server), { role: "viewer" });
    expectProblem(await trigger(server, first), 403, ErrorCode.permissionDenied);
    assert.equal(
      (await call(server, "DELETE", apiPath(ApiRoutes.user, { user: "otto" }), admin(server))).status,
      204,
    );
    expectProblem(await call(server, "GET", ApiRoutes.pipelines, first), 401, ErrorCode.unauthorized);
    const left = await sql`select * from api_tokens`.execute(server.engine.ctx.db);
    assert.equal(left.rows.length, 0, "a deleted user's tokens stay behind");

    // Bad input changes nothing.
    const usersBefore = (await call(server, "GET", ApiRoutes.users, admin(server))).body;
    for (const body of [
      { name: "short", role: "viewer", password: "tooshort" },
      { name: "bad name!", role: "viewer" },
      { name: "x", role: "superuser" },
      { name: "x", role: "viewer", extra: 1 },
    ])
      assert.equal((await call(server, "POST", ApiRoutes.users, admin(server), body)).status, 400);
    assert.equal((await call(server, "GET", ApiRoutes.users, admin(server))).body, usersBefore);
    expectProblem(
      await call(server, "PATCH", apiPath(ApiRoutes.user, { user: "ghost" }), admin(server), {
        role: "admin",
      }),
      404,
      ErrorCode.userNotFound,
    );
  },
);
