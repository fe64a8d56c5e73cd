/**
 * The audit entries of users, personal API tokens and agent tokens over real HTTP: each change leaves exactly one
 * entry with its actor and target, a change to what already is leaves none, a refused change leaves none, and no
 * password or token is ever copied into the log.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import test from "node:test";
import {
  ApiRoutes,
  ErrorCode,
  apiPath,
  type AuditEntryDto,
  type CreatedApiTokenDto,
  type CreatedUserDto,
  type Problem,
} from "@fawkes/protocol";
import { registerAgent } from "./agent-player.ts";
import {
  allEntries,
  auditPage,
  call,
  failingAuditInserts,
  ok,
  summary,
  type Answer,
} from "./audit-support.ts";
import { startHttpServer } from "./http-server.ts";

const password = (): string => `pw-${randomBytes(12).toString("hex")}`;
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const user = (name: string): string => apiPath(ApiRoutes.user, { user: name });
const grant = (name: string, group: string): string => apiPath(ApiRoutes.userGroup, { user: name, group });

test(
  "user, token and agent token changes leave one entry each, with actor and target, and no secret",
  { timeout: 60_000 },
  async (t) => {
    const server = await startHttpServer(t);
    const secrets = [password(), password(), password()];
    const [first, second, third] = secrets as [string, string, string];
    const expected: string[] = [];

    await ok(server, "POST", ApiRoutes.users, { name: "ursula", role: "viewer", password: first });
    expected.push("user.create user:admin user/ursula");
    const generated = JSON.parse(
      await ok(server, "POST", ApiRoutes.users, { name: "gen", role: "operator" }),
    ) as CreatedUserDto;
    expected.push("user.create user:admin user/gen");
    secrets.push(generated.password ?? assert.fail("a generated password"));

    await ok(server, "PATCH", user("ursula"), { role: "operator" });
    expected.push("user.role user:admin user/ursula");
    await ok(server, "PATCH", user("ursula"), { role: "operator" }); // no change: no entry
    await ok(server, "PATCH", user("ursula"), { disabled: true });
    expected.push("user.disable user:admin user/ursula");
    await ok(server, "PATCH", user("ursula"), { disabled: true }); // no change: no entry
    await ok(server, "PATCH", user("ursula"), { disabled: false });
    expected.push("user.enable user:admin user/ursula");
    await ok(server, "PATCH", user("ursula"), { password: second });
    expected.push("user.password user:admin user/ursula");
    // Two changes in one request: one entry each, in one transaction.
    await ok(server, "PATCH", user("ursula"), { role: "viewer", password: third });
    expected.push("user.role user:admin user/ursula", "user.password user:admin user/ursula");

    await ok(server, "PUT", grant("ursula", "web"), { role: "operator" });
    expected.push("user.grant user:admin user/ursula");
    await ok(server, "PUT", grant("ursula", "web"), { role: "operator" }); // no change: no entry
    await ok(server, "PUT", grant("ursula", "web"), { role: "admin" });
    expected.push("user.grant user:admin user/ursula");
    await ok(server, "DELETE", grant("ursula", "web"));
    expected.push("user.grant.revoke user:admin user/ursula");
    await ok(server, "DELETE", grant("ursula", "web")); // no grant left: no entry

    // `fawkes login`: the user logging in creates the token.
    const loggedIn = JSON.parse(
      await ok(server, "POST", ApiRoutes.login, { user: "ursula", password: third }),
    ) as CreatedApiTokenDto;
    expected.push(`token.create user:ursula token/${loggedIn.id}`);
    const own = await call(server, "POST", ApiRoutes.tokens, { name: "ci" }, bearer(loggedIn.token));
    assert.equal(own.status, 201, own.text);
    const ownToken = JSON.parse(own.text) as CreatedApiTokenDto;
    expected.push(`token.create user:ursula token/${ownToken.id}`);
    const forGen = JSON.parse(
      await ok(server, "POST", ApiRoutes.tokens, { name: "for-gen", user: "gen", expiresInDays: 7 }),
    ) as CreatedApiTokenDto;
    expected.push(`token.create user:admin token/${forGen.id}`);
    const revokeOwn = await call(
      server,
      "DELETE",
      apiPath(ApiRoutes.token, { tokenId: ownToken.id }),
      undefined,
      bearer(loggedIn.token),
    );
    assert.equal(revokeOwn.status, 204, revokeOwn.text);
    expected.push(`token.revoke user:ursula token/${ownToken.id}`);
    await ok(server, "DELETE", apiPath(ApiRoutes.token, { tokenId: forGen.id }));
    expected.push(`token.revoke user:admin token/${forGen.id}`);

    const agent = await registerAgent(server, server.keys.autoRegisterKey, "rotor");
    expected.push("agent.register agent:rotor agent/rotor");
    const rotated = await call(server, "POST", "/agent/v1/token", undefined, bearer(agent.token));
    assert.equal(rotated.status, 200, rotated.text);
    const newAgentToken = (JSON.parse(rotated.text) as { token: string }).token;
    expected.push("agent.token.rotate agent:rotor agent/rotor");
    await ok(server, "POST", apiPath(ApiRoutes.revokeAgentToken, { agent: "rotor" }));
    expected.push("agent.token.revoke user:admin agent/rotor");

    await ok(server, "DELETE", user("gen"));
    expected.push("user.delete user:admin user/gen");

    const entries = await allEntries(server);
    assert.deepEqual(entries.map(summary), expected);
    for (const entry of entries)
      assert.match(entry.sourceIp ?? "", /^(::ffff:)?127\.0\.0\.1$/, summary(entry));

    const details = (action: string): AuditEntryDto["details"][] =>
      entries.filter((entry) => entry.action === action).map((entry) => entry.details);
    assert.deepEqual(details("user.create"), [
      { role: "viewer", passwordGenerated: false },
      { role: "operator", passwordGenerated: true },
    ]);
    assert.deepEqual(details("user.role"), [
      { role: "operator", before: "viewer" },
      { role: "viewer", before: "operator" },
    ]);
    assert.deepEqual(details("user.password"), [{}, {}]);
    assert.deepEqual(details("user.grant"), [
      { group: "web", role: "operator", before: null },
      { group: "web", role: "admin", before: "operator" },
    ]);
    assert.deepEqual(details("user.grant.revoke"), [{ group: "web", before: "admin" }]);
    assert.deepEqual(details("user.delete"), [{ role: "operator" }]);
    assert.deepEqual(details("token.create"), [
      { name: "fawkes login", user: "ursula", expiresAt: null },
      { name: "ci", user: "ursula", expiresAt: null },
      { name: "for-gen", user: "gen", expiresAt: forGen.expiresAt },
    ]);
    assert.deepEqual(details("token.revoke"), [
      { name: "ci", user: "ursula" },
      { name: "for-gen", user: "gen" },
    ]);
    assert.equal(details("agent.token.revoke")[0]?.from, "enabled");

    // No password or token, in the table or in the API's answer.
    const table = JSON.stringify(await server.engine.ctx.db.selectFrom("audit_log").selectAll().execute());
    const answer = await ok(server, "GET", `${ApiRoutes.audit}?limit=500`);
    assert.ok(table.includes(forGen.id) && answer.includes(forGen.id), "the search is not vacuous");
    for (const text of [table, answer])
      for (const secret of [
        ...secrets,
        loggedIn.token,
        ownToken.token,
        forGen.token,
        agent.token,
        newAgentToken,
      ])
        assert.ok(!text.includes(secret), "a password or token in the audit log");
  },
);

test(
  "a refused or failed login, and every refused change, leave no entry",
  { timeout: 60_000 },
  async (t) => {
    const server = await startHttpServer(t);
    const secret = password();
    await ok(server, "POST", ApiRoutes.users, { name: "vera", role: "viewer", password: secret });
    const vera = (
      JSON.parse(
        await ok(server, "POST", ApiRoutes.login, { user: "vera", password: secret }),
      ) as CreatedApiTokenDto
    ).token;
    await ok(server, "POST", ApiRoutes.users, { name: "otto", role: "operator", password: password() });
    const ottos = JSON.parse(
      await ok(server, "POST", ApiRoutes.tokens, { name: "ottos", user: "otto" }),
    ) as CreatedApiTokenDto;
    const agent = await registerAgent(server, server.keys.autoRegisterKey, "kept");
    const before = await allEntries(server);
    assert.equal(before.length, 5, before.map(summary).join("\n"));

    const refusals: [string, string, unknown, string, Record<string, string>?][] = [
      ["POST", ApiRoutes.users, { name: "vera", role: "viewer" }, ErrorCode.userExists],
      ["POST", ApiRoutes.users, { name: "x", role: "emperor" }, ErrorCode.validation],
      ["POST", ApiRoutes.users, { name: "y", role: "admin" }, ErrorCode.permissionDenied, bearer(vera)],
      ["PATCH", user("ghost"), { role: "admin" }, ErrorCode.userNotFound],
      ["PATCH", user("vera"), { role: "admin" }, ErrorCode.permissionDenied, bearer(vera)],
      ["DELETE", user("ghost"), undefined, ErrorCode.userNotFound],
      ["PUT", grant("ghost", "web"), { role: "admin" }, ErrorCode.userNotFound],
      ["DELETE", grant("ghost", "web"), undefined, ErrorCode.userNotFound],
      ["POST", ApiRoutes.login, { user: "vera", password: "not the password" }, ErrorCode.loginFailed],
      ["POST", ApiRoutes.login, { user: "ghost", password: "not the password" }, ErrorCode.loginFailed],
      ["POST", ApiRoutes.tokens, { name: "t", user: "ghost" }, ErrorCode.userNotFound],
      ["POST", ApiRoutes.tokens, { name: "t", user: "admin" }, ErrorCode.permissionDenied, bearer(vera)],
      [
        "DELETE",
        apiPath(ApiRoutes.token, { tokenId: "0123456789ab" }),
        undefined,
        ErrorCode.apiTokenNotFound,
      ],
      // Someone else's token is "not found" to a non-administrator.
      [
        "DELETE",
        apiPath(ApiRoutes.token, { tokenId: ottos.id }),
        undefined,
        ErrorCode.apiTokenNotFound,
        bearer(vera),
      ],
      ["POST", apiPath(ApiRoutes.revokeAgentToken, { agent: "ghost" }), undefined, ErrorCode.agentNotFound],
      [
        "POST",
        apiPath(ApiRoutes.revokeAgentToken, { agent: "kept" }),
        undefined,
        ErrorCode.permissionDenied,
        bearer(vera),
      ],
      ["POST", "/agent/v1/token", undefined, ErrorCode.unauthorized, bearer("not-an-agent-token")],
    ];
    for (const [method, path, body, code, headers] of refusals) {
      const answer = await call(server, method, path, body, headers);
      assert.ok(
        answer.status >= 400 && answer.status < 500,
        `${method} ${path}: ${answer.status} ${answer.text}`,
      );
      assert.equal((JSON.parse(answer.text) as Problem).code, code, `${method} ${path}: ${answer.text}`);
    }
    assert.deepEqual(await allEntries(server), before);
    // The agent's token still works: the refused rotation changed nothing.
    assert.equal((await call(server, "POST", "/agent/v1/token", undefined, bearer(agent.token))).status, 200);
  },
);

test("a change whose entry cannot be written does not happen", { timeout: 60_000 }, async (t) => {
  const { plugin, armed } = failingAuditInserts();
  const server = await startHttpServer(t, { plugins: [plugin] });
  await ok(server, "POST", ApiRoutes.users, { name: "wanda", role: "viewer", password: password() });
  armed.on = true;
  assert.equal((await call(server, "POST", ApiRoutes.users, { name: "nobody", role: "admin" })).status, 500);
  assert.equal((await call(server, "PATCH", user("wanda"), { role: "admin", disabled: true })).status, 500);
  assert.equal((await call(server, "DELETE", user("wanda"))).status, 500);
  assert.equal((await call(server, "POST", ApiRoutes.tokens, { name: "t", user: "wanda" })).status, 500);
  armed.on = false;
  const users = JSON.parse(await ok(server, "GET", ApiRoutes.users)) as {
    users: { name: string; role: string; disabled: boolean }[];
  };
  assert.deepEqual(
    users.users
      .map(({ name, role, disabled }) => ({ name, role, disabled }))
      .filter((u) => u.name !== "admin"),
    [{ name: "wanda", role: "viewer", disabled: false }],
  );
  const tokens = JSON.parse(await ok(server, "GET", `${ApiRoutes.tokens}?all=true`)) as { tokens: unknown[] };
  assert.deepEqual(tokens.tokens, []);
  assert.deepEqual((await allEntries(server)).map(summary), ["user.create user:admin user/wanda"]);
});

test(
  "deleting a user revokes each of its tokens with an entry of its own and ends its sessions, in one transaction",
  { timeout: 60_000 },
  async (t) => {
    const { plugin, armed } = failingAuditInserts();
    const server = await startHttpServer(t, { plugins: [plugin] });
    const secret = password();
    await ok(server, "POST", ApiRoutes.users, { name: "dora", role: "operator", password: secret });
    const login = JSON.parse(
      await ok(server, "POST", ApiRoutes.login, { user: "dora", password: secret }),
    ) as CreatedApiTokenDto;
    const ci = JSON.parse(
      await ok(server, "POST", ApiRoutes.tokens, { name: "ci", user: "dora" }),
    ) as CreatedApiTokenDto;
    const session = await fetch(server.url + ApiRoutes.session, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user: "dora", password: secret }),
    });
    assert.equal(session.status, 200, await session.clone().text());
    const cookie = /^(fawkes_session=[^;]+)/.exec(session.headers.get("set-cookie") ?? "")?.[1];
    assert.ok(cookie, "a session cookie");
    const me = async (headers: Record<string, string>): Promise<Answer> => {
      const answer = await fetch(server.url + ApiRoutes.me, { headers });
      return { status: answer.status, text: await answer.text() };
    };
    const credentials = [bearer(login.token), bearer(ci.token), { cookie }];
    for (const headers of credentials) assert.equal((await me(headers)).status, 200);
    const before = await allEntries(server);

    // The delete's entries cannot be written: nothing changes, the tokens and the session still work.
    armed.on = true;
    assert.equal((await call(server, "DELETE", user("dora"))).status, 500);
    armed.on = false;
    assert.deepEqual(await allEntries(server), before);
    for (const headers of credentials) assert.equal((await me(headers)).status, 200);

    await ok(server, "DELETE", user("dora"));
    const added = (await allEntries(server)).slice(before.length);
    assert.deepEqual(added.map(summary), [
      `token.revoke user:admin token/${login.id}`,
      `token.revoke user:admin token/${ci.id}`,
      "user.delete user:admin user/dora",
    ]);
    assert.deepEqual(
      added.slice(0, 2).map((entry) => entry.details),
      [
        { name: "fawkes login", user: "dora", because: "user.delete" },
        { name: "ci", user: "dora", because: "user.delete" },
      ],
    );
    // Filterable like any entry.
    const revokes = await auditPage(server, "?action=token.revoke");
    assert.deepEqual(
      revokes.entries.map((entry) => entry.target).sort(),
      [`token/${ci.id}`, `token/${login.id}`].sort(),
    );
    for (const headers of credentials) {
      const refused = await me(headers);
      assert.equal(refused.status, 401, refused.text);
    }
  },
);
