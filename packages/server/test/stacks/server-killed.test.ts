/**
 * A real server killed (SIGKILL) while a stack is CREATE_IN_PROGRESS: its instance waits for a CreationPolicy
 * signal that never comes. The server started again on the same data directory fails the interrupted create and
 * rolls it back: the stack ends ROLLBACK_COMPLETE (as `aws cloudformation describe-stacks` shows), its instance is
 * `terminated`, and no process of it, mount or directory is left.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { pidNamespaceOf, processesInNamespace } from "@fawkes/cloud";
import { startServerProcess, tempDir, waitFor } from "@fawkes/testing";
import { awsCli, newAccessKey } from "../cloud/support.ts";
import { appTemplate, skip } from "../instances/support.ts";

/** The PID namespace of the instance whose `unshare` names `dir` (its init is the unshare's child), if it runs. */
function namespaceUnder(dir: string): string | undefined {
  const own = readlinkSync("/proc/self/ns/pid");
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name)))
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(dir)) continue;
      for (const child of readFileSync(`/proc/${entry}/task/${entry}/children`, "utf8")
        .split(" ")
        .filter(Boolean)) {
        const namespace = pidNamespaceOf(Number(child));
        if (namespace !== own) return namespace;
      }
    } catch {
      // exited while we looked
    }
  return undefined;
}

interface Described {
  Stacks: { StackStatus: string; StackStatusReason?: string }[];
  StackResources: { LogicalResourceId: string; PhysicalResourceId?: string; ResourceStatus: string }[];
  Reservations: { Instances: { InstanceId: string; State: { Name: string } }[] }[];
}

test(
  "a server killed during a stack create rolls the stack back cleanly when it starts again",
  { skip, timeout: 300_000 },
  async (t) => {
    const server = await startServerProcess(t);
    const home = await tempDir(t, "fawkes-killed-");
    const aws = awsCli(
      server.cloudUrl,
      home,
      await newAccessKey(server, "deployer", [{ Effect: "Allow", Action: "*", Resource: "*" }]),
    );
    const ok = async (...args: string[]): Promise<Described> => {
      const result = await aws(...args);
      assert.equal(result.code, 0, `aws ${args.join(" ")}: ${result.stderr}`);
      return JSON.parse(result.stdout || "{}") as Described;
    };
    // The instance boots and waits for a signal nobody sends (an hour).
    const template = JSON.parse(appTemplate("#!/bin/sh\necho waiting for a signal\n", ["s3:GetObject"])) as {
      Resources: Record<string, Record<string, unknown>>;
    };
    template.Resources.AppServer!.CreationPolicy = { ResourceSignal: { Count: 1, Timeout: "PT1H" } };
    const file = path.join(home, "template.json");
    await writeFile(file, JSON.stringify(template));
    const stack = ["--stack-name", "interrupted"];
    await ok(
      "cloudformation",
      "create-stack",
      ...stack,
      "--template-body",
      `file://${file}`,
      "--capabilities",
      "CAPABILITY_IAM",
    );

    const instanceId = await waitFor(
      async () => {
        const { StackResources } = await ok("cloudformation", "describe-stack-resources", ...stack);
        const app = StackResources.find((r) => r.LogicalResourceId === "AppServer");
        // A create that already ended will never show the waiting instance: say why at once.
        if (app !== undefined && app.ResourceStatus !== "CREATE_IN_PROGRESS")
          throw new Error(`AppServer is ${app.ResourceStatus}: ${JSON.stringify(StackResources)}`);
        if (!app?.PhysicalResourceId) return undefined;
        const { Reservations } = await ok(
          "ec2",
          "describe-instances",
          "--instance-ids",
          app.PhysicalResourceId,
        );
        return Reservations[0]?.Instances[0]?.State.Name === "running" ? app.PhysicalResourceId : undefined;
      },
      { timeoutMs: 60_000, message: "the instance to run while the stack waits for its signal" },
    );
    const instanceDir = path.join(server.dataDir, "instances", instanceId);
    const namespace = namespaceUnder(instanceDir);
    assert.ok(namespace, `no process of ${instanceId} found`);
    assert.ok(processesInNamespace(namespace).length > 0);
    const inProgress = await aws("cloudformation", "describe-stacks", ...stack, "--cli-read-timeout", "1");
    assert.notEqual(inProgress.code, 0, "describe-stacks waits while the create is in progress");

    await server.kill("SIGKILL");
    await waitFor(() => processesInNamespace(namespace).length === 0, {
      timeoutMs: 10_000,
      message: "the instance's processes to die with the server",
    });

    await server.restart();
    const final = await waitFor(
      async () => {
        const { Stacks } = await ok("cloudformation", "describe-stacks", ...stack);
        const status = Stacks[0]?.StackStatus ?? "";
        return /_IN_PROGRESS$/.test(status) ? undefined : Stacks[0];
      },
      { timeoutMs: 60_000, message: "the interrupted stack to reach a terminal state" },
    );
    assert.equal(final?.StackStatus, "ROLLBACK_COMPLETE", JSON.stringify(final));
    const { StackResources } = await ok("cloudformation", "describe-stack-resources", ...stack);
    for (const resource of StackResources)
      assert.equal(resource.ResourceStatus, "DELETE_COMPLETE", resource.LogicalResourceId);
    const { Reservations } = await ok("ec2", "describe-instances", "--instance-ids", instanceId);
    assert.equal(Reservations[0]?.Instances[0]?.State.Name, "terminated");
    assert.equal(namespaceUnder(instanceDir), undefined, "the instance was booted again and left running");
    assert.deepEqual(processesInNamespace(namespace), []);
    assert.deepEqual(await readdir(path.join(server.dataDir, "instances")), []);
    assert.equal(readFileSync("/proc/self/mountinfo", "utf8").includes(server.dataDir), false);
  },
);
