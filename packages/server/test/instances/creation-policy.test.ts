/**
 * An instance with a CreationPolicy, for real: its user data starts the app and runs `fawkes signal` (no keys: the
 * instance identity from its own metadata endpoint), so the stack completes only once it signalled; user data
 * that fails before signalling fails the resource at once (the provider's `failure`), the stack rolls back and
 * nothing is left running.
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { alive, appTemplate, createdStack, getWhenUp, NODE, site, skip, startRuntime } from "./support.ts";

/** The app template with a CreationPolicy on its instance (one signal within two minutes). */
function withCreationPolicy(userData: string): string {
  const template = JSON.parse(appTemplate(userData, ["s3:GetObject"])) as {
    Resources: Record<string, Record<string, unknown>>;
  };
  template.Resources.AppServer!.CreationPolicy = { ResourceSignal: { Count: 1, Timeout: "PT2M" } };
  return JSON.stringify(template);
}

test(
  "the stack completes once the instance signals; a failing user data rolls it back at once",
  { skip, timeout: 240_000 },
  async (t) => {
    const at = await site(t);
    const { cloud } = await startRuntime(t, at);

    const ok = await createdStack(
      cloud,
      "signalled",
      withCreationPolicy(
        [
          "#!/bin/sh",
          `${NODE} -e 'require("http").createServer((q, s) => s.end("up\\n")).listen(8080, "0.0.0.0")' &`,
          "fawkes signal -e 0 --stack signalled --resource AppServer",
          "",
        ].join("\n"),
      ),
    );
    assert.equal(ok.status, "CREATE_COMPLETE", JSON.stringify(await cloud.stacks.events(ok.stackId)));
    const events = await cloud.stacks.events(ok.stackId);
    assert.ok(
      events.some((e) => e.logicalId === "AppServer" && /signal/i.test(e.statusReason ?? "")),
      JSON.stringify(events),
    );
    const resource = (await cloud.stacks.resources(ok.stackId)).find((r) => r.logicalId === "AppServer");
    const instance = await cloud.instances.find(resource!.physicalId!);
    assert.equal(await getWhenUp(`http://${instance.privateIp}:8080/`), "up\n");

    const failed = await createdStack(
      cloud,
      "broken",
      withCreationPolicy(["#!/bin/sh", "echo about to fail", "exit 3", ""].join("\n")),
    );
    assert.equal(failed.status, "ROLLBACK_COMPLETE");
    const failedEvents = await cloud.stacks.events(failed.stackId);
    const reason = failedEvents.find((e) => e.logicalId === "AppServer" && e.status === "CREATE_FAILED");
    assert.match(
      reason?.statusReason ?? "",
      /failed to boot: part-001 failed \(exit 3\)/,
      JSON.stringify(failedEvents),
    );
    const brokenId = failedEvents.find((e) => e.logicalId === "AppServer" && e.physicalId)?.physicalId ?? "";
    const broken = await cloud.instances.find(brokenId);
    assert.equal(broken.state, "terminated");
    assert.equal(cloud.instances.hostPid(brokenId), undefined);
    assert.deepEqual(await readdir(path.join(at.dataDir, "instances")), [instance.instanceId]);
    assert.ok(alive(cloud.instances.hostPid(instance.instanceId)!));
  },
);
