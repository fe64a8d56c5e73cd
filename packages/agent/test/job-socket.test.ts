/**
 * The job socket (`FAWKES_JOB_SOCKET`): `fawkes id-token` asks the agent, which answers after its own round
 * trip; bad requests get an error answer, not a hang; the socket is private and gone when the job ends. And a
 * secret added to the masker mid-job (a token) is masked from then on, at every chunk split.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { JobSocket } from "../src/job/job-socket.ts";
import { SecretMasker } from "../src/job/secret-masker.ts";

function ask(path: string, request: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const chunks: Buffer[] = [];
    socket.on("connect", () => socket.end(request));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () =>
      resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>),
    );
  });
}

test("the job socket answers id-token requests, refuses bad ones, and is private and gone after the job", async (t) => {
  const workDir = await mkdtemp(join(tmpdir(), "fawkes-job-socket-"));
  t.after(() => rm(workDir, { recursive: true, force: true }));
  const asked: string[] = [];
  const socket = await JobSocket.open(workDir, {
    async idToken(audience) {
      asked.push(audience);
      // An answer that takes a while, as the server's does.
      await new Promise((resolve) => setImmediate(resolve));
      if (audience === "refused") throw new Error("lease lost");
      return { token: `token-for-${audience}`, expiresAt: 42 };
    },
  });
  assert.equal((await stat(socket.path)).mode & 0o777, 0o600);
  assert.equal((await stat(join(socket.path, ".."))).mode & 0o777, 0o700);

  assert.deepEqual(await ask(socket.path, JSON.stringify({ op: "id-token", audience: "sts" })), {
    token: "token-for-sts",
    expiresAt: 42,
  });
  assert.deepEqual(await ask(socket.path, JSON.stringify({ op: "id-token", audience: "refused" })), {
    error: "lease lost",
  });
  assert.match(String((await ask(socket.path, "{not json")).error), /not JSON/);
  assert.match(String((await ask(socket.path, JSON.stringify({ op: "secrets" }))).error), /unknown request/);
  assert.match(
    String((await ask(socket.path, JSON.stringify({ op: "id-token", audience: "" }))).error),
    /1-255 characters/,
  );
  assert.deepEqual(asked, ["sts", "refused"]);

  await socket.close();
  await assert.rejects(stat(socket.path), { code: "ENOENT" });
  await assert.rejects(ask(socket.path, JSON.stringify({ op: "id-token", audience: "sts" })), {
    code: "ENOENT",
  });
});

test("a secret added to the masker mid-job is masked from then on, at every chunk split", () => {
  const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
  const input = `before ${token} after ${token}`;
  for (let size = 1; size <= input.length; size++) {
    const masker = new SecretMasker(["other"]);
    masker.add([token]);
    masker.add([token, token]);
    masker.add([""]);
    const bytes = Buffer.from(input);
    const out: Buffer[] = [];
    let at = 0;
    for (let end = size; at < bytes.length; end += size) {
      const { output, consumed } = masker.mask(bytes.subarray(at, end), end >= bytes.length);
      out.push(output);
      at += consumed;
    }
    assert.equal(Buffer.concat(out).toString(), "before ****** after ******", `chunk size ${size}`);
  }
});
