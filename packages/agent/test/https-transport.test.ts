import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "./support/helpers.ts";

const transportModule = new URL("../src/http-transport.ts", import.meta.url).href;

/** Runs in a fresh process, which trusts the test's certificate (NODE_EXTRA_CA_CERTS is read at start). */
const client = `
import { HttpTransport, readBody } from ${JSON.stringify(transportModule)};
const loaded = (name) => process.moduleLoadList.includes("NativeModule " + name);
const plain = new HttpTransport("http://127.0.0.1:9/");
const httpsForPlainServer = loaded("https");
const secure = new HttpTransport(process.env.SERVER_URL);
const response = await secure.send({
  method: "GET", path: "/agent/v1/ping", headers: {}, idleTimeoutMs: 5000, signal: new AbortController().signal,
});
const body = (await readBody(response.stream)).toString();
plain.close();
secure.close();
console.log(JSON.stringify({ httpsForPlainServer, status: response.status, body }));
`;

test("an agent talks to an https server, and loads TLS only for one", async (t) => {
  const dir = await tempDir(t);
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  const server = createServer(
    { key: await readFile(key), cert: await readFile(cert) },
    (request, response) => {
      response.end(`secure ${request.method} ${request.url}`);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;

  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ["--input-type=module", "-e", client],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: cert, SERVER_URL: `https://127.0.0.1:${port}/` } },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    ),
  );
  assert.deepEqual(JSON.parse(stdout), {
    httpsForPlainServer: false,
    status: 200,
    body: "secure GET /agent/v1/ping",
  });
});
