/**
 * A run that uses every kind of secret — a secure variable, a git URL with a password, a webhook secret and a
 * secret value given at trigger time — leaves none of them in the store (SQLite's file, WAL and shared memory,
 * before and after the checkpoint of a clean stop; or the PostgreSQL database, audit log included), the console
 * logs, the artifacts, the server's log output, the API's answers (status, run, value stream map, changes, the
 * audit log, which names the secrets a job received and nothing more) or the event stream; and
 * every file and directory of the data directory is closed to group and others.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { ApiRoutes, type AuditListDto, type VsmDto } from "@fawkes/protocol";
import { CreateBucketCommand, CreateMultipartUploadCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  adminCloudClient,
  createGitRepo,
  startFawkes,
  storeContents,
  summarizeRun,
  waitForRun,
  yamlString,
  type StoredServer,
} from "@fawkes/testing";

const secrets = {
  userPassword: `user-pw-${randomBytes(8).toString("hex")}`,
  secure: `secure-${randomBytes(8).toString("hex")}`,
  password: `pw${randomBytes(8).toString("hex")}`,
  webhook: `whsec-${randomBytes(8).toString("hex")}`,
  trigger: `trigger-${randomBytes(8).toString("hex")}`,
  // Issued during the run (a user's personal token, web session id and its CSRF token).
  personalToken: "",
  sessionId: "",
  csrfToken: "",
};
const leaked = (text: string): string[] =>
  Object.entries(secrets).flatMap(([kind, secret]) => (secret !== "" && text.includes(secret) ? [kind] : []));

const pipelineYaml = (url: string) => `
format_version: 10
pipelines:
  vault:
    group: e2e
    secure_variables:
      SECRET_VAR: ${yamlString(secrets.secure)}
    materials:
      src:
        git: ${yamlString(url)}
        branch: main
        webhook_secret: ${yamlString(secrets.webhook)}
    stages:
      - build:
          jobs:
            make:
              artifacts:
                - build:
                    source: out/result.txt
              tasks:
                - exec:
                    command: sh
                    arguments: ["-c", "echo value=$SECRET_VAR; mkdir -p out; echo built > out/result.txt"]
`;

/** Every file under `dir` (relative path → bytes as latin1, so any byte sequence can be searched). */
async function filesUnder(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, file), (await readFile(file)).toString("latin1"));
  }
  return files;
}

async function leaksIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const [file, bytes] of await filesUnder(dir))
    for (const kind of leaked(bytes)) found.push(`${kind} in ${file}`);
  return found;
}

/** Secrets in the server's store: its SQLite files (database, WAL, shared memory) or its PostgreSQL database. */
async function leaksInStore(server: StoredServer): Promise<string[]> {
  const contents = (await storeContents(server)).toString("latin1");
  assert.ok(contents.includes("vault"), "the store holds the pipeline's run: the search is not vacuous");
  return leaked(contents).map((kind) => `${kind} in the store`);
}

test(
  "no secret of a run reaches the data directory, the logs or the API",
  { timeout: 120_000 },
  async (t) => {
    const repo = await createGitRepo(t, { "README.md": "secret things\n" });
    // git takes user info in a file:// URL with the host `localhost`, so the credentialed URL is a real material.
    const url = `file://deploy:${secrets.password}@localhost${repo.path}`;
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "vault.gocd.yaml": pipelineYaml(url) },
      expectPipelines: ["vault"],
    });
    const { api, server } = fawkes;
    const events: string[] = [];
    const eventsAbort = new AbortController();
    t.after(() => eventsAbort.abort());

    await fawkes.diagnose(async () => {
      const stream = await fetch(server.url + ApiRoutes.events, {
        headers: { authorization: `Bearer ${server.token}` },
        signal: eventsAbort.signal,
      });
      assert.equal(stream.status, 200);
      void (async () => {
        const decoder = new TextDecoder();
        for await (const chunk of stream.body as AsyncIterable<Uint8Array>)
          events.push(decoder.decode(chunk));
      })().catch(() => undefined);

      // A user with a password, a web session and a personal token: stored as hashes only.
      const created = await fetch(server.url + ApiRoutes.users, {
        method: "POST",
        headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "vera", role: "operator", password: secrets.userPassword }),
      });
      assert.equal(created.status, 201, await created.text());
      const login = await fetch(server.url + ApiRoutes.login, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user: "vera", password: secrets.userPassword }),
      });
      secrets.personalToken = ((await login.json()) as { token: string }).token;
      const session = await fetch(server.url + ApiRoutes.session, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user: "vera", password: secrets.userPassword }),
      });
      const cookie = /fawkes_session=([^;]+)/.exec(session.headers.get("set-cookie") ?? "")?.[1];
      assert.ok(cookie && secrets.personalToken.startsWith("fwk_"));
      secrets.sessionId = cookie;
      secrets.csrfToken = ((await session.json()) as { csrfToken: string }).csrfToken;

      await api.trigger("vault", { variables: { SECRET_VAR: secrets.trigger } });
      const run = await waitForRun(api, "vault", 1, (r) => r.result !== "building");
      assert.equal(run.result, "passed", summarizeRun(run));
      const console = await api.console("vault", 1, "build", "make");
      assert.match(console, /value=\*+/, "the trigger value reached the job, masked");

      // The audit log names the secrets the agent received, never their values (checked with the answers).
      const audit = await api.get<AuditListDto>(`${ApiRoutes.audit}?action=secret.read`);
      // One entry per job given to the agent (the material's own run and the triggered one).
      assert.ok(audit.entries.some((entry) => entry.target === "pipeline/vault/1/build/1/make"));
      for (const entry of audit.entries) {
        assert.match(entry.target, /^pipeline\/vault\/\d+\/build\/1\/make$/);
        assert.deepEqual(
          [entry.actor, entry.details],
          [
            { kind: "agent", name: "agent-1" },
            { variables: ["SECRET_VAR"], materials: ["src"], attempt: 1 },
          ],
        );
      }
      const answers = [
        JSON.stringify(await api.get(`${ApiRoutes.audit}?limit=500`)),
        JSON.stringify(await api.status("vault")),
        JSON.stringify(await api.get(ApiRoutes.pipelines)),
        JSON.stringify(await api.run("vault", 1)),
        JSON.stringify(await api.get("/api/v1/pipelines/vault/runs/1/changes")),
        JSON.stringify(await api.get("/api/v1/pipelines/vault/runs/1/vsm")),
        JSON.stringify(await api.configErrors()),
        events.join(""),
      ];
      assert.deepEqual(leaked(answers.join("\n")), [], "API answers and events");
      assert.ok(!answers.join("").includes(`deploy:`), "no user info in any answer");
      const vsm = await api.get<VsmDto>("/api/v1/pipelines/vault/runs/1/vsm");
      const gitNode = vsm.nodes.find((node) => node.kind === "git");
      assert.match(gitNode?.id ?? "", /^git:file:\/\/\*\*\*@localhost\/.+#main#[0-9a-f]{16}$/);

      // The cloud endpoint's files (bucket, object index, object, multipart upload) are private too.
      const s3 = await adminCloudClient(t, server, "modes");
      await s3.send(new CreateBucketCommand({ Bucket: "vault-releases" }));
      await s3.send(new PutObjectCommand({ Bucket: "vault-releases", Key: "app/v1.txt", Body: "v1" }));
      await s3.send(new CreateMultipartUploadCommand({ Bucket: "vault-releases", Key: "big" }));

      // Running: SQLite's WAL holds the newest pages.
      assert.deepEqual(await leaksInStore(server), [], "the store while running");
    });

    await server.kill("SIGTERM");
    const dataDir = server.dataDir;
    assert.deepEqual(await leaksInStore(server), [], "the store after the checkpoint of a clean stop");
    assert.deepEqual(await leaksIn(path.join(dataDir, "logs")), [], "console logs");
    assert.deepEqual(await leaksIn(path.join(dataDir, "artifacts")), [], "artifacts");
    assert.deepEqual(leaked(server.output()), [], "the server's log output");
    const artifact = await readFile(path.join(dataDir, "artifacts/vault/1/build/1/make/result.txt"), "utf8");
    assert.equal(artifact, "built\n", "the artifact is where the test looks");

    // Closed to group and others: every entry. Files the server writes itself are exactly 0600; git, which writes
    // the server's mirrors (materials/) under umask 077, keeps its objects read-only (0400).
    const loose: string[] = [];
    const notPrivateFile: string[] = [];
    for (const entry of await readdir(dataDir, { recursive: true, withFileTypes: true })) {
      const file = path.join(entry.parentPath, entry.name);
      const relative = path.relative(dataDir, file);
      const stats = await lstat(file);
      if (stats.isSymbolicLink()) continue;
      const mode = stats.mode & 0o777;
      if ((mode & 0o077) !== 0) loose.push(`${relative} ${mode.toString(8)}`);
      if (relative.startsWith(`materials${path.sep}`)) continue;
      if (stats.isFile() && mode !== 0o600) notPrivateFile.push(`${relative} ${mode.toString(8)}`);
      if (stats.isDirectory() && mode !== 0o700) loose.push(`${relative}/ ${mode.toString(8)}`);
    }
    assert.equal((await lstat(dataDir)).mode & 0o777, 0o700);
    assert.equal((await lstat(path.join(dataDir, "materials"))).mode & 0o777, 0o700);
    assert.deepEqual(loose, []);
    assert.deepEqual(notPrivateFile, []);
  },
);
