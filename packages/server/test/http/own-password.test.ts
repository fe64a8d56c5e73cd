/**
 * `POST /api/v1/me/password` over real HTTP: a user changes their own password with the current one; the new one
 * logs in and the old one does not, their other web sessions end while the browser that asked keeps a new
 * session, one `user.password` entry is recorded; a wrong current password or a short new one is a 400 naming
 * the field, never a 401, and changes nothing; the bootstrap administrator has no password to change.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ApiRoutes, CSRF_HEADER, ErrorCode, type Problem, type SessionDto } from "@fawkes/protocol";
import { rawRequest, startHttpServer, type HttpServer, type RawResponse } from "./http-server.ts";

const FIRST = "the first password here";
const SECOND = "the second password here";

const json = (body: unknown): string => JSON.stringify(body);

async function logIn(
  server: HttpServer,
  user: string,
  password: string,
): Promise<{ status: number; cookie: string; csrf: string }> {
  const answer = await rawRequest(server, {
    method: "POST",
    target: ApiRoutes.session,
    body: json({ user, password }),
  });
  const cookie = /^(fawkes_session=[^;]+)/.exec(answer.headers["set-cookie"] ?? "")?.[1] ?? "";
  const csrf = answer.status === 200 ? ((JSON.parse(answer.body) as SessionDto).csrfToken ?? "") : "";
  return { status: answer.status, cookie, csrf };
}

function changePassword(
  server: HttpServer,
  session: { cookie: string; csrf: string },
  body: unknown,
): Promise<RawResponse> {
  return rawRequest(server, {
    method: "POST",
    target: ApiRoutes.mePassword,
    headers: {
      cookie: session.cookie,
      [CSRF_HEADER]: session.csrf,
      origin: `http://${server.host}:${server.port}`,
    },
    body: json(body),
  });
}

const authenticated = async (server: HttpServer, cookie: string): Promise<boolean> =>
  (
    JSON.parse(
      (await rawRequest(server, { method: "GET", target: ApiRoutes.session, headers: { cookie } })).body,
    ) as SessionDto
  ).authenticated;

async function passwordEntries(server: HttpServer): Promise<number> {
  const answer = await rawRequest(server, {
    method: "GET",
    target: `${ApiRoutes.audit}?action=user.password`,
    headers: { authorization: `Bearer ${server.keys.apiToken}` },
  });
  return (JSON.parse(answer.body) as { entries: unknown[] }).entries.length;
}

function expectProblem(answer: RawResponse, status: number, code: string): Problem {
  assert.equal(answer.status, status, answer.body);
  const problem = JSON.parse(answer.body) as Problem;
  assert.equal(problem.code, code, answer.body);
  return problem;
}

test("a user changes their own password; other sessions end, this one continues", async (t) => {
  const server = await startHttpServer(t);
  const created = await rawRequest(server, {
    method: "POST",
    target: ApiRoutes.users,
    headers: { authorization: `Bearer ${server.keys.apiToken}` },
    body: json({ name: "petra", role: "viewer", password: FIRST }),
  });
  assert.equal(created.status, 201, created.body);
  const browser = await logIn(server, "petra", FIRST);
  const other = await logIn(server, "petra", FIRST);
  assert.equal(browser.status, 200);

  // Wrong current password, too short a new one: 400 naming the field, nothing changes, still logged in.
  const wrong = expectProblem(
    await changePassword(server, browser, { currentPassword: "not it at all", newPassword: SECOND }),
    400,
    ErrorCode.validation,
  );
  assert.deepEqual(
    wrong.errors?.map((error) => error.path),
    ["currentPassword"],
  );
  const short = expectProblem(
    await changePassword(server, browser, { currentPassword: FIRST, newPassword: "short" }),
    400,
    ErrorCode.validation,
  );
  assert.ok(
    short.errors?.some((error) => error.path === "newPassword"),
    JSON.stringify(short),
  );
  assert.equal((await logIn(server, "petra", FIRST)).status, 200);
  assert.equal(await authenticated(server, other.cookie), true);
  assert.equal(await passwordEntries(server), 0);

  const changed = await changePassword(server, browser, { currentPassword: FIRST, newPassword: SECOND });
  assert.equal(changed.status, 200, changed.body);
  const session = JSON.parse(changed.body) as SessionDto;
  const renewed = /^(fawkes_session=[^;]+)/.exec(changed.headers["set-cookie"] ?? "")?.[1];
  assert.ok(renewed !== undefined && session.csrfToken !== undefined, changed.body);
  assert.equal(await authenticated(server, renewed), true, "the browser that changed it stays logged in");
  assert.equal(await authenticated(server, other.cookie), false, "another session ended");
  assert.equal(await authenticated(server, browser.cookie), false, "the old cookie ended");
  assert.equal((await logIn(server, "petra", FIRST)).status, 401);
  assert.equal((await logIn(server, "petra", SECOND)).status, 200);
  assert.equal(await passwordEntries(server), 1);
});

test("the bootstrap administrator has no password to change", async (t) => {
  const server = await startHttpServer(t);
  const answer = await rawRequest(server, {
    method: "POST",
    target: ApiRoutes.mePassword,
    headers: { authorization: `Bearer ${server.keys.apiToken}` },
    body: json({ currentPassword: "anything at all", newPassword: SECOND }),
  });
  expectProblem(answer, 400, ErrorCode.badRequest);
});
