/**
 * The time-bound parts of users on the engine's clock, over real HTTP: a personal token and a web session stop
 * working when they expire, and the login rate limit's window slides with the clock. (Days are not advanced on
 * the manual clock, which would fire the engine's periodic timers once for every second of them: the stored
 * expiries are moved next to "now" instead, which is what the days passing does to them.)
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ApiRoutes, ErrorCode, type CreatedApiTokenDto, type Problem } from "@fawkes/protocol";
import { startEngineHarness, type EngineHarness } from "../support/engine-harness.ts";

const PASSWORD = "a password long enough";
const DAY = 86_400_000;

async function post(harness: EngineHarness, route: string, body: unknown, headers = {}): Promise<Response> {
  return fetch(harness.url + route, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

async function code(answer: Response): Promise<string> {
  return ((await answer.json()) as Problem).code;
}

test(
  "tokens and sessions expire, and the login limit slides, on the engine clock",
  { timeout: 60_000 },
  async (t) => {
    const harness = await startEngineHarness(t, { pipelineFiles: {} });
    const { db } = harness.engine.ctx;
    const admin = { authorization: `Bearer ${harness.keys.apiToken}` };
    const created = await post(
      harness,
      ApiRoutes.users,
      { name: "otto", role: "operator", password: PASSWORD },
      admin,
    );
    assert.equal(created.status, 201);

    // A token for one day.
    const login = await post(harness, ApiRoutes.login, {
      user: "otto",
      password: PASSWORD,
      expiresInDays: 1,
    });
    assert.equal(login.status, 201);
    const token = ((await login.json()) as CreatedApiTokenDto).token;
    const me = () => fetch(harness.url + ApiRoutes.me, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await me()).status, 200);
    const row = await db.selectFrom("api_tokens").select("expires_at").executeTakeFirstOrThrow();
    assert.equal(Number(row.expires_at), harness.clock.now() + DAY);
    await db
      .updateTable("api_tokens")
      .set({ expires_at: harness.clock.now() + 1 })
      .execute();
    assert.equal((await me()).status, 200);
    harness.clock.advance(1);
    const expired = await me();
    assert.equal(expired.status, 401);
    assert.equal(await code(expired), ErrorCode.unauthorized);

    // Ten failures in a minute: the limit holds until the oldest failure is a minute old, on the engine clock.
    for (let i = 0; i < 10; i++) {
      const failed = await post(harness, ApiRoutes.login, { user: "otto", password: "wrong" });
      assert.equal(await code(failed), ErrorCode.loginFailed);
      harness.clock.advance(1_000);
    }
    const limited = await post(harness, ApiRoutes.login, { user: "otto", password: PASSWORD });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "50");
    harness.clock.advance(49_000);
    assert.equal((await post(harness, ApiRoutes.login, { user: "otto", password: PASSWORD })).status, 429);
    harness.clock.advance(1_000);
    assert.equal((await post(harness, ApiRoutes.login, { user: "otto", password: PASSWORD })).status, 201);

    // A web session ends when it expires (30 days after the login).
    const session = await post(harness, ApiRoutes.session, { user: "otto", password: PASSWORD });
    const cookie = /^(fawkes_session=[^;]+)/.exec(session.headers.get("set-cookie") ?? "")![1]!;
    const withCookie = () => fetch(harness.url + ApiRoutes.me, { headers: { cookie } });
    assert.equal((await withCookie()).status, 200);
    const stored = await db.selectFrom("sessions").select("expires_at").executeTakeFirstOrThrow();
    assert.equal(Number(stored.expires_at), harness.clock.now() + 30 * DAY);
    await db
      .updateTable("sessions")
      .set({ expires_at: harness.clock.now() + 1 })
      .execute();
    harness.clock.advance(1);
    assert.equal((await withCookie()).status, 401);
  },
);
