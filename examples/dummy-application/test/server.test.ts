import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { createAppServer, notFoundText } from "../src/server.ts";

test("serves the page, its stylesheet and a 404 text", async (t) => {
  const server = createAppServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const page = await fetch(`${base}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
  const html = await page.text();
  assert.match(html, /A Dummy Application!/);
  assert.match(html, /href="\/style.css"/);

  const css = await fetch(`${base}/style.css`);
  assert.equal(css.status, 200);
  assert.match(css.headers.get("content-type") ?? "", /^text\/css/);
  assert.match(await css.text(), /body \{/);

  const missing = await fetch(`${base}/nothing/here`);
  assert.equal(missing.status, 404);
  assert.equal(await missing.text(), notFoundText);
});
