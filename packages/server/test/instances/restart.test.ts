/**
 * A server that stops and starts again: its running instances are booted again from scratch (fresh root, user
 * data run again, same id and address, serving again), a termination it left is finished, stale instance
 * directories a killed server left are removed; every state change went through the instance machine.
 */
import assert from "node:assert/strict";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { SYSTEM_CALLER } from "../../src/stacks/providers.ts";
import {
  alive,
  answers,
  appTemplate,
  createdStack,
  fetchAndServe,
  getWhenUp,
  instanceOf,
  putObject,
  site,
  skip,
  startRuntime,
} from "./support.ts";

test(
  "after a restart, running instances boot again from scratch at the same address; leftovers are finished",
  { skip, timeout: 240_000 },
  async (t) => {
    const at = await site(t);
    const first = await startRuntime(t, at);
    await putObject(first, "builds", "app-3.txt", "build three\n");
    const create = async (name: string) => {
      await createdStack(
        first.cloud,
        name,
        appTemplate(fetchAndServe("builds", "app-3.txt"), ["s3:GetObject"]),
      );
      return instanceOf(first.cloud, name, "AppServer");
    };
    const kept = await create("kept");
    const dying = await create("dying");
    const before = await getWhenUp(`http://${kept.privateIp}:8080/`);
    assert.match(before, /^build three\nbooted \d+\n$/);
    const firstPid = first.cloud.instances.hostPid(kept.instanceId)!;

    // The server stops: its instances stop with it, but stay `running` in the store.
    await first.close();
    assert.equal(alive(firstPid), false);
    assert.equal((await first.cloud.instances.find(kept.instanceId)).state, "running");
    assert.equal(await answers(`http://${kept.privateIp}:8080/`), false, "nothing serves while it is down");
    // As a server killed mid-terminate and mid-boot would leave: one instance shutting down, a stale directory.
    await at.database.db
      .updateTable("instances")
      .set({ state: "shutting-down" })
      .where("instance_id", "=", dying.instanceId)
      .execute();
    const stale = path.join(at.dataDir, "instances", "i-00000000deadbeef0");
    await mkdir(path.join(stale, "upper"), { recursive: true });
    await writeFile(path.join(stale, "upper", "junk"), "left by a killed server");

    const second = await startRuntime(t, at, first.key);
    const relaunched = await second.cloud.instances.find(kept.instanceId);
    assert.equal(relaunched.state, "running");
    assert.equal(relaunched.privateIp, kept.privateIp);
    assert.equal(relaunched.stateReason, null);
    const after = await getWhenUp(`http://${kept.privateIp}:8080/`);
    assert.match(after, /^build three\nbooted \d+\n$/);
    assert.notEqual(after, before, "user data ran again (a fresh boot time)");
    const console = (await second.cloud.instances.console(kept.instanceId)).toString("utf8");
    assert.equal(console.match(/running 'init'/g)?.length, 1, "a fresh console: one boot, from scratch");
    assert.notEqual(second.cloud.instances.hostPid(kept.instanceId), firstPid);

    const finished = await second.cloud.instances.find(dying.instanceId);
    assert.equal(finished.state, "terminated");
    assert.ok(finished.terminatedAt !== null);
    assert.deepEqual((await readdir(path.join(at.dataDir, "instances"))).sort(), [kept.instanceId]);
    assert.equal((await second.cloud.stacks.describe("kept")).status, "CREATE_COMPLETE");

    // Instances are moved through the machine only: terminating twice is harmless; a terminated id never boots.
    await second.cloud.instances.terminate(kept.instanceId, SYSTEM_CALLER.origin);
    const again = await second.cloud.instances.terminate(kept.instanceId, SYSTEM_CALLER.origin);
    assert.equal(again.state, "terminated");
    await assert.rejects(
      second.cloud.instances.launch({
        instanceId: kept.instanceId,
        stackId: null,
        logicalId: null,
        plan: undefined as never,
        origin: SYSTEM_CALLER.origin,
      }),
      /is terminated/,
    );
    await assert.rejects(second.cloud.instances.setPublicIp(kept.instanceId, "127.101.0.1"), /terminated/);
    await assert.rejects(second.cloud.instances.find("i-0123456789abcdef0"), /does not exist/);
    // The audit log has the launches and the terminations.
    const audited = await at.database.db
      .selectFrom("audit_log")
      .select(["action", "target"])
      .where("action", "like", "instance.%")
      .execute();
    assert.deepEqual(
      audited.filter((row) => row.target === `instance/${kept.instanceId}`).map((row) => row.action),
      ["instance.launch", "instance.terminate"],
    );
  },
);
