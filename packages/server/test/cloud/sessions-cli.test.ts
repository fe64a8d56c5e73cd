/**
 * `fawkes credentials sessions|revoke` against a real server process: temporary credentials from awscli's
 * `sts get-session-token` are listed (never their secrets), revoked one at a time or all at once, and refused
 * from the very next request; bad input changes nothing.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import test from "node:test";
import type { StsSessionListDto } from "@fawkes/protocol";
import { runCli, startServerProcess, tempDir } from "@fawkes/testing";
import { awsAs, savedCredentials, stsCredentials } from "./support.ts";

test(
  "credentials sessions and revoke: listed without secrets, refused from the next request",
  { timeout: 120_000, skip: existsSync("/usr/bin/aws") ? false : "/usr/bin/aws is not installed" },
  async (t) => {
    const configHome = await tempDir(t, "fawkes-xdg-");
    const home = await tempDir(t, "fawkes-aws-home-");
    const server = await startServerProcess(t, { env: { XDG_CONFIG_HOME: configHome } });
    const fawkes = (args: string[]) => runCli(args, { server: server.url, token: server.token });
    const saved = await savedCredentials(configHome, server.url);
    const admin = {
      accessKeyId: String(saved?.accessKeyId),
      secretAccessKey: String(saved?.secretAccessKey),
    };
    const issue = async () => {
      const answer = await awsAs(server.cloudUrl, home, admin)("sts", "get-session-token");
      assert.equal(answer.code, 0, answer.stderr);
      return stsCredentials(answer.stdout);
    };
    const first = await issue();
    const second = await issue();
    const whoAmI = (key: typeof first) => awsAs(server.cloudUrl, home, key)("sts", "get-caller-identity");
    assert.equal((await whoAmI(first)).code, 0);

    const listed = await fawkes(["credentials", "sessions", "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    const list = JSON.parse(listed.stdout) as StsSessionListDto;
    assert.deepEqual(
      list.sessions.map((s) => s.accessKeyId).sort(),
      [first.accessKeyId, second.accessKeyId].sort(),
    );
    assert.ok(
      list.sessions.every((s) => s.principal === "arn:aws:iam::000000000000:user/admin" && s.kind === "user"),
    );
    for (const secret of [first.secretAccessKey, first.sessionToken!, second.sessionToken!])
      assert.ok(!listed.stdout.includes(secret), "no secret is listed");
    const table = await fawkes(["credentials", "sessions"]);
    assert.match(table.stdout, new RegExp(`${first.accessKeyId}\\s+arn:aws:iam::000000000000:user/admin`));

    // Bad input is refused and changes nothing.
    const neither = await fawkes(["credentials", "revoke"]);
    assert.notEqual(neither.code, 0);
    assert.match(neither.stderr, /exactly one of --session ID, --role NAME or --all/);
    const malformed = await fawkes(["credentials", "revoke", "--session", "AKIANOTASESSION00000"]);
    assert.notEqual(malformed.code, 0);
    assert.match(malformed.stderr, /ASIA/);
    const unknown = await fawkes(["credentials", "revoke", "--session", "ASIAAAAAAAAAAAAAAAAA"]);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /no session/);
    const noRole = await fawkes(["credentials", "revoke", "--role", "ghost"]);
    assert.notEqual(noRole.code, 0);
    assert.equal((await whoAmI(first)).code, 0);
    assert.equal((await whoAmI(second)).code, 0);

    const one = await fawkes(["credentials", "revoke", "--session", first.accessKeyId, "--json"]);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(JSON.parse(one.stdout), { revoked: [first.accessKeyId] });
    assert.match((await whoAmI(first)).stderr, /\(InvalidClientTokenId\)/);
    assert.equal((await whoAmI(second)).code, 0);

    const all = await fawkes(["credentials", "revoke", "--all"]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /revoked 1 session/);
    assert.match((await whoAmI(second)).stderr, /\(InvalidClientTokenId\)/);
    const live = JSON.parse(
      (await fawkes(["credentials", "sessions", "--json"])).stdout,
    ) as StsSessionListDto;
    assert.deepEqual(live.sessions, []);
    const every = JSON.parse(
      (await fawkes(["credentials", "sessions", "--all", "--json"])).stdout,
    ) as StsSessionListDto;
    assert.equal(every.sessions.filter((s) => s.revokedAt !== null).length, 2);
  },
);
