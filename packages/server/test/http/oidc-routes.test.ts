/**
 * The OIDC routes over real HTTP: discovery and JWKS answer anyone; listing and rotating keys need a user
 * (`fawkes oidc keys|rotate-key` through the CLI); a job's token needs the agent holding the job's lease.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ApiRoutes } from "@fawkes/protocol";
import { runCli } from "@fawkes/testing";
import { startHttpServer } from "./http-server.ts";

test("discovery and JWKS are public; fawkes oidc rotate-key adds a key and keeps the old one listed", async (t) => {
  const server = await startHttpServer(t);
  const get = (path: string, headers: Record<string, string> = {}) => fetch(server.url + path, { headers });

  const discovery = await get(ApiRoutes.oidcDiscovery);
  assert.equal(discovery.status, 200);
  assert.equal(((await discovery.json()) as { issuer: string }).issuer, server.url);
  const before = (await (await get(ApiRoutes.oidcJwks)).json()) as { keys: { kid: string }[] };
  assert.deepEqual(before.keys, [], "this harness makes no key at start (startServer does)");

  // Users only: anonymous callers get 401 and nothing changes.
  for (const method of ["GET", "POST"]) {
    const path = method === "GET" ? ApiRoutes.oidcKeys : ApiRoutes.oidcRotateKey;
    assert.equal((await fetch(server.url + path, { method })).status, 401, `${method} ${path}`);
  }
  assert.deepEqual(((await (await get(ApiRoutes.oidcJwks)).json()) as { keys: unknown[] }).keys, []);

  const cli = (args: string[]) => runCli(args, { server: server.url, token: server.keys.apiToken });
  const first = await cli(["oidc", "rotate-key", "--json"]);
  assert.equal(first.code, 0, first.stderr);
  const second = await cli(["oidc", "rotate-key", "--json"]);
  assert.equal(second.code, 0, second.stderr);
  const [k1, k2] = [first, second].map((result) => (JSON.parse(result.stdout) as { kid: string }).kid);
  const listed = await cli(["oidc", "keys", "--json"]);
  assert.equal(listed.code, 0, listed.stderr);
  const keys = (
    JSON.parse(listed.stdout) as { keys: { kid: string; signsUntil: number; retireAfter: number }[] }
  ).keys;
  assert.deepEqual(
    keys.map((key) => key.kid),
    [k1, k2],
  );
  assert.equal(
    keys[0]!.retireAfter - keys[0]!.signsUntil,
    3_600_000,
    "listed an hour after it stopped signing",
  );
  const jwks = (await (await get(ApiRoutes.oidcJwks)).json()) as { keys: { kid: string }[] };
  assert.deepEqual(
    jwks.keys.map((key) => key.kid),
    [k1, k2],
  );
  const table = await cli(["oidc", "keys"]);
  assert.match(table.stdout, new RegExp(`${k2}\\s+RS256`));
});

test("a job's ID token needs the agent holding the lease", async (t) => {
  const server = await startHttpServer(t);
  const answer = await fetch(`${server.url}/agent/v1/jobs/1/id-token`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${server.keys.apiToken}` },
    body: JSON.stringify({ audience: "x" }),
  });
  assert.equal(answer.status, 401);
  const rows = await server.engine.ctx.db.selectFrom("oidc_keys").select("kid").execute();
  assert.deepEqual(rows, [], "no key was made for a refused request");
});
