/**
 * `fawkes login`, `fawkes users …`, `fawkes tokens …` and `fawkes agents revoke-token` against a real server
 * process: the first start prints the administrator's login once (never again, and nowhere else in the output);
 * a viewer's saved login cannot manage users; a revoked token is refused on the next command.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { AGENT_PROTOCOL_VERSION } from "@fawkes/protocol";
import { runCli, startServerProcess, tempDir, waitFor } from "@fawkes/testing";

test("log in, manage users and tokens from the CLI", { timeout: 120_000 }, async (t) => {
  const server = await startServerProcess(t);
  const banner = await waitFor(
    () =>
      /Administrator login[^\n]*\n\s+user\s+(\S+)\n\s+password\s+(\S+)/.exec(server.output()) ?? undefined,
    { message: "the administrator's login in the server's output" },
  );
  const [, adminUser, adminPassword] = banner;
  assert.equal(adminUser, "admin");
  const config = await tempDir(t, "fawkes-cli-config-");
  const env = { XDG_CONFIG_HOME: config };
  const fawkes = (args: string[], options: { input?: string; token?: string } = {}) =>
    runCli([...args, "--server", server.url], {
      env: { ...env, FAWKES_TOKEN: options.token ?? "" },
      ...(options.input !== undefined && { input: options.input }),
    });

  // Login saves a personal token for this server in the credentials file.
  const login = await fawkes(["login", "--user", "admin", "--password-stdin"], {
    input: `${adminPassword}\n`,
  });
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, /logged in to .* as admin/);
  const saved = JSON.parse(readFileSync(join(config, "fawkes", "credentials.json"), "utf8")) as Record<
    string,
    { token: string }
  >;
  const adminToken = Object.values(saved)[0]!.token;
  // The first start's administrator is in the audit log, created by the server itself.
  const adminCreated = await fawkes(["audit", "--action", "user.create", "--json"], { token: adminToken });
  assert.equal(adminCreated.code, 0, adminCreated.stderr);
  assert.deepEqual(
    (JSON.parse(adminCreated.stdout) as { entries: { actor: unknown; target: string }[] }).entries.map(
      (entry) => [entry.actor, entry.target],
    ),
    [[{ kind: "system", name: "fawkes" }, "user/admin"]],
  );
  assert.match(adminToken, /^fwk_/);
  const wrong = await fawkes(["login", "--user", "admin", "--password-stdin"], { input: "not it\n" });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /wrong user name or password/);

  // Users: create with a password from stdin, grant, list.
  const created = await fawkes(["users", "create", "vera", "--role", "viewer", "--password-stdin"], {
    input: "vera's long password\n",
  });
  assert.equal(created.code, 0, created.stderr);
  const generated = await fawkes(["users", "create", "otto", "--role", "operator", "--json"]);
  assert.equal(generated.code, 0, generated.stderr);
  assert.ok((JSON.parse(generated.stdout) as { password: string }).password.length >= 20);
  const grant = await fawkes(["users", "grant", "vera", "--group", "web", "--role", "operator"]);
  assert.equal(grant.code, 0, grant.stderr);
  assert.equal((await fawkes(["users", "set-role", "otto", "admin"])).code, 0);
  const list = await fawkes(["users", "list", "--json"]);
  const users = (JSON.parse(list.stdout) as { users: { name: string; role: string; groups: object }[] })
    .users;
  assert.deepEqual(
    users.map((u) => [u.name, u.role, u.groups]),
    [
      ["admin", "admin", {}],
      ["otto", "admin", {}],
      ["vera", "viewer", { web: "operator" }],
    ],
  );
  const bad = await fawkes(["users", "create", "x", "--role", "superuser"]);
  assert.notEqual(bad.code, 0);

  // A viewer's token cannot manage users.
  const veraToken = await fawkes(["tokens", "create", "for-vera", "--user", "vera", "--json"]);
  assert.equal(veraToken.code, 0, veraToken.stderr);
  const vera = JSON.parse(veraToken.stdout) as { id: string; token: string };
  const refused = await fawkes(["users", "list"], { token: vera.token });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /FAWKES_PERMISSION_DENIED/);

  // Tokens: create with an expiry, list, revoke: refused on the next command.
  const ci = await fawkes(["tokens", "create", "ci", "--expires", "30d", "--json"]);
  assert.equal(ci.code, 0, ci.stderr);
  const ciToken = JSON.parse(ci.stdout) as { id: string; token: string; expiresAt: number };
  assert.ok(ciToken.expiresAt > Date.now());
  const mine = await fawkes(["tokens", "list", "--json"]);
  assert.deepEqual(
    (JSON.parse(mine.stdout) as { tokens: { name: string }[] }).tokens.map((tk) => tk.name).slice(-1),
    ["ci"],
  );
  assert.ok(!mine.stdout.includes("fwk_"), "a listing prints a token");
  assert.equal((await fawkes(["users", "list"], { token: ciToken.token })).code, 0);
  const revoked = await fawkes(["tokens", "revoke", ciToken.id]);
  assert.equal(revoked.code, 0, revoked.stderr);
  const after = await fawkes(["users", "list"], { token: ciToken.token });
  assert.notEqual(after.code, 0);
  assert.match(after.stderr, /FAWKES_UNAUTHORIZED/);

  // An agent's token revoked from the CLI: the agent is refused and, registered again, pending.
  const register = (token?: { agentId: string; token: string }) =>
    fetch(`${server.url}/agent/v1/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        protocolVersion: AGENT_PROTOCOL_VERSION,
        key: server.autoRegisterKey,
        name: "builder",
        hostname: "builder",
        resources: [],
        ...token,
      }),
    });
  const agent = (await (await register()).json()) as { agentId: string; token: string };
  const revokeAgent = await fawkes(["agents", "revoke-token", "builder"]);
  assert.equal(revokeAgent.code, 0, revokeAgent.stderr);
  assert.equal((await register({ agentId: agent.agentId, token: agent.token })).status, 401);
  assert.equal((await register()).status, 200);
  const agents = JSON.parse((await fawkes(["agents", "--json"])).stdout) as { agents: { state: string }[] };
  assert.deepEqual(
    agents.agents.map((a) => a.state),
    ["pending"],
  );
  const viewerRevoke = await fawkes(["agents", "revoke-token", "builder"], { token: vera.token });
  assert.match(viewerRevoke.stderr, /FAWKES_PERMISSION_DENIED/);

  // Disable: vera's token stops working.
  assert.equal((await fawkes(["users", "disable", "vera"])).code, 0);
  assert.match((await fawkes(["tokens", "list"], { token: vera.token })).stderr, /FAWKES_UNAUTHORIZED/);

  // The one-time login was printed once, and only as the banner.
  assert.equal(server.output().split(adminPassword!).length - 1, 1, "the password appears more than once");
  await server.restart();
  await waitFor(async () => (await fetch(`${server.url}/api/v1/health`)).ok, { message: "restart" });
  assert.equal(server.output().split("Administrator login").length - 1, 1, "a restart printed a login again");
});
