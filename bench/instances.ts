/**
 * Phoenix instances (issue 15's Performance section): N instances at once (`FAWKES_BENCH_INSTANCES`, default 50;
 * 10 with `--quick`), each running a tiny Node HTTP app on 0.0.0.0:8080, all answering at their addresses. Prints
 * what Fawkes costs per instance, without the app's own memory:
 *  - in-namespace helpers (the init shell, the socat bridges) and the `unshare` parent: PSS (smaps_rollup), so
 *    text shared between instances counts once;
 *  - the server side (listeners, the metadata server, console buffers): this process's RSS growth over the launch.
 * Also the boot time (launch to the app answering). Run alone: `node bench/instances.ts [--quick]`; it needs root.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  allocateAddress,
  launchInstance,
  pidNamespaceOf,
  processesInNamespace,
  type RunningInstance,
} from "@fawkes/cloud";
import { renderTable, type Figure } from "./lib/figures.ts";
import { pssMiB, rssMiB } from "./lib/proc.ts";
import { summarize } from "./lib/stats.ts";

const APP = `#!/bin/sh
${process.execPath} -e 'require("http").createServer((q, s) => s.end("ok\\n")).listen(8080, "0.0.0.0")' &
`;

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

async function answers(url: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function benchInstances(options: { quick: boolean }): Promise<Omit<Figure, "summary">[]> {
  const count = Number(process.env.FAWKES_BENCH_INSTANCES ?? (options.quick ? 10 : 50));
  const dataDir = await mkdtemp(path.join(tmpdir(), "fawkes-bench-instances-"));
  const instances: RunningInstance[] = [];
  const boots: number[] = [];
  global.gc?.();
  const rssBefore = rssMiB(process.pid);
  const inUse = new Set<string>();
  try {
    await Promise.all(
      Array.from({ length: count }, async () => {
        const address = allocateAddress(inUse);
        inUse.add(address);
        const id = `i-${randomBytes(9).toString("hex").slice(0, 17)}`;
        const started = performance.now();
        const instance = await launchInstance({
          id,
          address,
          hostname: `bench-${address.replaceAll(".", "-")}`,
          userData: Buffer.from(APP),
          instanceDir: path.join(dataDir, "instances", id),
          exposedPorts: [8080],
          metadata: (_request, response) => response.end(),
        });
        instances.push(instance);
        await answers(`http://${address}:8080/`, Date.now() + 60_000);
        boots.push(performance.now() - started);
      }),
    );
    global.gc?.();
    const hostMiB = (rssMiB(process.pid) - rssBefore) / count;
    const helpers: number[] = [];
    for (const instance of instances) {
      const inside = processesInNamespace(pidNamespaceOf(instance.pid));
      // Fawkes's own: the init and its socat bridges (with their per-connection children); not the app, which
      // the init adopted too.
      const bridges = inside.filter((pid) => commandOf(pid) === "socat" && parentOf(pid) === instance.pid);
      const fawkes = [
        instance.pid,
        ...bridges,
        ...inside.filter((pid) => commandOf(pid) === "socat" && bridges.includes(parentOf(pid))),
      ];
      helpers.push([parentOf(instance.pid), ...fawkes].reduce((sum, pid) => sum + pssMiB(pid), 0));
    }
    const perInstance = helpers.map((pss) => pss + Math.max(0, hostMiB));
    console.log(
      `  ${count} instances: helpers ${summarize(helpers).median.toFixed(2)} MiB PSS each, server side ` +
        `${hostMiB.toFixed(2)} MiB RSS each`,
    );
    return [
      {
        id: "instance_overhead_mib",
        label: `Fawkes memory per instance, ${count} at once (app excluded)`,
        unit: "MiB",
        samples: perInstance,
        target: { max: 30, text: "≤ 30 MB (issue 15)" },
        peer: "—",
        note: `in-namespace helpers + unshare PSS, plus ${hostMiB.toFixed(2)} MiB of server RSS each`,
      },
      {
        id: "instance_boot_ms",
        label: `instance launch to app answering, ${count} at once`,
        unit: "ms",
        samples: boots,
        target: null,
        peer: "minutes on EC2",
      },
    ];
  } finally {
    await Promise.all(instances.map((instance) => instance.terminate()));
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
  const figures = (await benchInstances({ quick: values.quick === true })).map((figure) => ({
    ...figure,
    summary: summarize(figure.samples),
  }));
  console.log(renderTable(figures));
  for (const figure of figures) if (figure.note) console.log(`  ${figure.label}: ${figure.note}`);
}
