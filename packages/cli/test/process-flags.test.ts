import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { startFawkes } from "@fawkes/testing";
import { SERVER_MALLOC_TUNABLES, withServerMallocTunables } from "../src/process-flags.ts";

test("the server's malloc tunable is added to the user's GLIBC_TUNABLES, never over their own", () => {
  assert.equal(withServerMallocTunables(undefined), SERVER_MALLOC_TUNABLES);
  assert.equal(withServerMallocTunables(""), SERVER_MALLOC_TUNABLES);
  assert.equal(
    withServerMallocTunables("glibc.malloc.tcache_count=7"),
    `glibc.malloc.tcache_count=7:${SERVER_MALLOC_TUNABLES}`,
  );
  assert.equal(withServerMallocTunables("glibc.malloc.mmap_threshold=1"), "glibc.malloc.mmap_threshold=1");
});

test("`fawkes server` starts with the malloc tunable", { timeout: 60_000 }, async (t) => {
  const fawkes = await startFawkes(t, {
    pipelineFiles: {},
    agents: 0,
    serverEnv: { GLIBC_TUNABLES: "" },
  });
  // The environment the process was exec'd with: what glibc read at start-up. (With several tunables, glibc
  // 2.36 rewrites this copy to show only the first, so the test gives the server none of its own.)
  const environ = readFileSync(`/proc/${fawkes.server.process.child.pid}/environ`, "utf8").split("\0");
  assert.ok(
    environ.includes(`GLIBC_TUNABLES=${SERVER_MALLOC_TUNABLES}`),
    environ.filter((entry) => entry.startsWith("GLIBC")).join(", "),
  );
});
