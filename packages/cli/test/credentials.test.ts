import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  credentialsPath,
  loadServerToken,
  maxCredentialEntries,
  normalizeServerUrl,
  saveServerToken,
} from "../src/credentials.ts";
import { tempDir } from "./helpers.ts";

test("normalises localhost and trailing slashes", () => {
  assert.equal(normalizeServerUrl("http://localhost:8153/"), "http://127.0.0.1:8153");
  assert.equal(normalizeServerUrl("http://127.0.0.1:8153"), "http://127.0.0.1:8153");
  assert.equal(normalizeServerUrl("HTTP://Example.COM:9000//"), "http://example.com:9000");
});

test("round trip through $XDG_CONFIG_HOME/fawkes/credentials.json with mode 0600", (t) => {
  const home = tempDir(t);
  const env = { XDG_CONFIG_HOME: join(home, "config"), HOME: home };
  assert.equal(credentialsPath(env), join(home, "config", "fawkes", "credentials.json"));
  assert.equal(loadServerToken("http://127.0.0.1:8153", env), undefined);
  saveServerToken("http://localhost:8153/", "secret-1", "/data/a", env);
  const entry = loadServerToken("http://127.0.0.1:8153", env);
  assert.equal(entry?.token, "secret-1");
  assert.equal(entry?.dataDir, "/data/a");
  assert.equal(statSync(credentialsPath(env)).mode & 0o777, 0o600);
  saveServerToken("http://127.0.0.1:8153", "secret-2", "/data/b", env);
  assert.equal(loadServerToken("http://localhost:8153", env)?.token, "secret-2");
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(credentialsPath(env), "utf8"))), [
    "http://127.0.0.1:8153",
  ]);
});

test("defaults to ~/.config when XDG_CONFIG_HOME is unset", (t) => {
  const home = tempDir(t);
  assert.equal(credentialsPath({ HOME: home }), join(home, ".config", "fawkes", "credentials.json"));
});

test("keeps at most 50 entries, dropping the oldest", (t) => {
  const home = tempDir(t);
  const env = { XDG_CONFIG_HOME: home };
  const path = credentialsPath(env);
  mkdirSync(join(home, "fawkes"), { recursive: true });
  // Seed entries with distinct, known ages: port 10000 is the oldest.
  const seeded = Object.fromEntries(
    Array.from({ length: maxCredentialEntries }, (_, i) => [
      `http://127.0.0.1:${10_000 + i}`,
      { token: `t${i}`, dataDir: "/d", savedAt: 1000 + i },
    ]),
  );
  writeFileSync(path, JSON.stringify(seeded));
  saveServerToken("http://127.0.0.1:20000", "newest", "/d", env);
  const saved = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  assert.equal(Object.keys(saved).length, maxCredentialEntries);
  assert.equal(loadServerToken("http://127.0.0.1:10000", env), undefined);
  assert.equal(loadServerToken("http://127.0.0.1:10001", env)?.token, "t1");
  assert.equal(loadServerToken("http://127.0.0.1:20000", env)?.token, "newest");
});

test("a corrupt file is treated as empty and rewritten", (t) => {
  const home = tempDir(t);
  const env = { XDG_CONFIG_HOME: home };
  mkdirSync(join(home, "fawkes"));
  writeFileSync(credentialsPath(env), "{not json");
  assert.equal(loadServerToken("http://127.0.0.1:8153", env), undefined);
  saveServerToken("http://127.0.0.1:8153", "t", "/d", env);
  assert.equal(loadServerToken("http://127.0.0.1:8153", env)?.token, "t");
});
