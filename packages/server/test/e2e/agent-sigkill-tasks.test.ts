/** A task's processes, background and setsid ones included, die with an agent killed by SIGKILL. */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import test from "node:test";
import { createGitRepo, startFawkes, waitFor, waitForRun, yamlString } from "@fawkes/testing";

/** Whether a live process runs exactly `sleep DURATION`. */
async function sleeping(duration: string): Promise<boolean> {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "latin1").catch(() => "");
    if (cmdline !== `sleep\0${duration}\0`) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "latin1").catch(() => "");
    if (stat !== "" && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") return true;
  }
  return false;
}

test("task processes die with an agent killed by SIGKILL", { timeout: 60_000 }, async (t) => {
  const background = `1000.${process.pid}1`;
  const escaped = `1000.${process.pid}2`;
  const script = `sleep ${background} & setsid sleep ${escaped} > /dev/null 2>&1 & echo started; sleep 1000`;
  const repo = await createGitRepo(t, { "a.txt": "1" });
  const fawkes = await startFawkes(t, {
    pipelineFiles: {
      "p.gocd.yaml": `format_version: 10
pipelines:
  long:
    materials:
      m: {git: ${yamlString(repo.path)}, branch: main, auto_update: false}
    stages:
      - s:
          fetch_materials: false
          jobs:
            j: {tasks: [{exec: {command: sh, arguments: ["-c", ${yamlString(script)}]}}]}
`,
    },
    expectPipelines: ["long"],
  });
  const [agent] = fawkes.agents;
  await fawkes.diagnose(async () => {
    await fawkes.api.trigger("long");
    await waitForRun(fawkes.api, "long", 1, (run) => run.stages[0]?.jobs[0]?.state === "building");
    await waitFor(async () => (await sleeping(background)) && (await sleeping(escaped)), {
      timeoutMs: 10_000,
      message: "the task's processes to run",
    });
    await agent!.kill("SIGKILL");
    await waitFor(async () => !(await sleeping(background)) && !(await sleeping(escaped)), {
      timeoutMs: 10_000,
      message: "the task's processes to die with the agent",
    });
    assert.equal(await sleeping(escaped), false);
  });
});
