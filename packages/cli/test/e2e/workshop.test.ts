/**
 * Issue 16's acceptance test: the workshop end to end, as the README runs it. `fawkes up` on a fresh data
 * directory deploys build 1 of the bundled example behind the stable address; a load generator hits that address
 * throughout; a commit changing the page is served within 20 s; a commit breaking a unit test stops at `test`;
 * rerunning run 1's `deploy` rolls back to build 1. Zero failed requests, and every request sent after the address
 * moved was answered by the new build. Needs root (phoenix instances) and /usr/bin/aws (the publish stage).
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import {
  ApiRoutes,
  apiPath,
  type InstanceListDto,
  type ObjectListDto,
  type PipelineRunDto,
  type StageRunDto,
  type StackListDto,
} from "@fawkes/protocol";
import {
  git,
  requestOnce,
  startLoad,
  startUpProcess,
  summarizeRun,
  waitFor,
  waitForRun,
  withProcessOutput,
  type UpProcess,
  phoenixSkip,
} from "@fawkes/testing";

const skip = phoenixSkip();

const PIPELINE = "dummy-application";
const STAGES = ["test", "package", "publish", "deploy"];
const HEADING = "A Dummy Application!";
const ORIGINAL =
  "<p>Tested, packaged, published and deployed to a brand-new server by Fawkes on every commit.</p>";
/** The README's change, made unique so no other page can be mistaken for build 2's. */
const CHANGED = `<p>My first change, ${process.pid}-${Date.now()}.</p>`;
/** The performance bound of the issue: a commit's page is served this soon. */
const COMMIT_TO_SERVED_MS = 20_000;

const isBuild1 = (body: string | undefined) => body?.includes(HEADING) === true && body.includes(ORIGINAL);
const isBuild2 = (body: string | undefined) => body?.includes(HEADING) === true && body.includes(CHANGED);

/**
 * The page at the stable address now, on a fresh connection (a kept-alive one would stay with the old build);
 * undefined while it does not answer 200.
 */
async function page(url: string): Promise<string | undefined> {
  return (await requestOnce(url)).body;
}

/** The latest attempt of `name` in `run` (a rerun adds a stage with the next counter). */
function stage(run: PipelineRunDto, name: string): StageRunDto | undefined {
  return run.stages.filter((s) => s.name === name).sort((a, b) => b.counter - a.counter)[0];
}

function assertAllPassed(run: PipelineRunDto): void {
  assert.equal(run.result, "passed", summarizeRun(run));
  for (const name of STAGES)
    assert.equal(stage(run, name)?.result, "passed", `${name}: ${summarizeRun(run)}`);
}

/**
 * Commit every change in the example repository. Its post-commit hook tells the server at once (with the token
 * `fawkes up` saved, whatever this shell's $XDG_CONFIG_HOME): the run should not wait for the 10 s poll.
 */
async function commit(up: UpProcess, message: string): Promise<{ at: number; wall: number; sha: string }> {
  const at = performance.now();
  const wall = Date.now();
  await git(up.repo, ["commit", "-qam", message]);
  return { at, wall, sha: await git(up.repo, ["rev-parse", "HEAD"]) };
}

/** Where a run's time went, in seconds from `since` (epoch ms): each job's scheduled, assigned and completed. */
function timeline(run: PipelineRunDto, since: number): string {
  const s = (at: number | null) => (at === null ? "-" : ((at - since) / 1000).toFixed(1));
  return run.stages
    .flatMap((stage) =>
      stage.jobs.map(
        (job) =>
          `${stage.name}#${stage.counter} ${s(job.scheduledAt)}/${s(job.assignedAt)}/${s(job.completedAt)}`,
      ),
    )
    .join(", ");
}

/** The run built `sha`. */
function assertBuilt(run: PipelineRunDto, sha: string): void {
  assert.deepEqual(
    run.materials.map((m) => m.revision),
    [sha],
    `run ${run.counter} built ${sha}: ${summarizeRun(run)}`,
  );
}

async function edit(file: string, from: string | RegExp, to: string): Promise<void> {
  const text = await readFile(file, "utf8");
  const changed = text.replace(from, to);
  assert.notEqual(changed, text, `${file} has ${String(from)}`);
  await writeFile(file, changed);
}

/** The pipeline's runs and the stacks, for failure messages (what the process output does not say). */
async function state(up: UpProcess): Promise<string> {
  const lines: string[] = [];
  try {
    const status = await up.api.status(PIPELINE);
    for (const run of status.runs)
      lines.push(
        `${summarizeRun(run)} at ${run.materials.map((m) => `${m.revision.slice(0, 8)} "${m.description}"`).join(", ")}; s from its creation: ${timeline(run, run.createdAt)}`,
      );
    const stacks = await up.api.get<StackListDto>(`${ApiRoutes.stacks}?all=true`);
    lines.push(
      `stacks: ${stacks.stacks.map((s) => `${s.name}=${s.status} (created ${new Date(s.createdAt).toISOString()})`).join(", ")}`,
    );
  } catch (error) {
    lines.push(`(no state: ${(error as Error).message})`);
  }
  return lines.join("\n");
}

/** `scenario`, its failure message extended with the pipeline's runs and the stacks when it fails. */
async function withState<T>(up: UpProcess, scenario: () => Promise<T>): Promise<T> {
  try {
    return await scenario();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n\n${await state(up)}`, { cause: error });
  }
}

test(
  "the workshop: fawkes up deploys build 1, a commit is served within 20 s, a broken test stops at test, a rerun rolls back; zero failed requests",
  { skip, timeout: 300_000 },
  async (t) => {
    const up = await startUpProcess(t);
    const abortIf = () => (up.process.hasExited() ? `fawkes up exited` : undefined);
    await withProcessOutput(
      () => [up],
      () =>
        withState(up, async () => {
          const { api, appUrl } = up;
          const stacks = async () => (await api.get<StackListDto>(`${ApiRoutes.stacks}?all=true`)).stacks;
          const statuses = async (name: string) =>
            (await stacks()).filter((s) => s.name === name).map((s) => s.status);
          /** The states of the instances `stack` made (terminated ones too). */
          const instanceStates = async (stack: string) =>
            (await api.get<InstanceListDto>(`${ApiRoutes.instances}?all=true`)).instances
              .filter((i) => i.stackName === stack)
              .map((i) => i.state);

          // 2. Run 1 deploys build 1 behind the stable address.
          const run1 = await waitForRun(api, PIPELINE, 1, undefined, { timeoutMs: 90_000, abortIf });
          assertAllPassed(run1);
          await waitFor(async () => isBuild1(await page(appUrl)), {
            timeoutMs: 20_000,
            message: `build 1's page at ${appUrl}`,
            abortIf,
          });

          // 3. Requests to the stable address, from now until the end.
          const load = startLoad(appUrl, { clients: 4, maxRequests: 1_000_000, deadlineMs: 240_000 });
          t.after(() => load.stop());
          await waitFor(() => load.samples.filter((s) => isBuild1(s.body)).length >= 20, {
            message: "20 answers from build 1",
          });

          // 4. Change the page: build 2 is served at the stable address within the bound.
          await edit(path.join(up.repo, "src/public/index.html"), /<p>.*<\/p>/, CHANGED);
          const change = await commit(up, "Change the page");
          await waitFor(async () => isBuild2(await page(appUrl)), {
            timeoutMs: COMMIT_TO_SERVED_MS,
            message: `build 2's page at ${appUrl} within ${COMMIT_TO_SERVED_MS} ms of the commit`,
            abortIf,
          });
          const seen2 = performance.now();
          t.diagnostic(`commit → build 2 served: ${((seen2 - change.at) / 1000).toFixed(1)} s`);

          const run2 = await waitForRun(api, PIPELINE, 2, undefined, { timeoutMs: 60_000, abortIf });
          t.diagnostic(
            `run 2 (scheduled/assigned/completed, s from the commit): ${timeline(run2, change.wall)}`,
          );
          assertBuilt(run2, change.sha);
          assertAllPassed(run2);
          // The retire ends the deploy stage, so build 1 is gone once run 2 passed.
          assert.deepEqual(await statuses("app-server-build-1"), ["DELETE_COMPLETE"]);
          assert.deepEqual(await statuses("app-server-build-2"), ["CREATE_COMPLETE"]);
          const live = (await api.get<StackListDto>(ApiRoutes.stacks)).stacks.map((s) => s.name);
          assert.ok(!live.includes("app-server-build-1"), `live stacks: ${live.join(", ")}`);
          assert.deepEqual(await instanceStates("app-server-build-1"), ["terminated"]);
          assert.deepEqual(await instanceStates("app-server-build-2"), ["running"]);
          const objects = await api.get<ObjectListDto>(
            `${apiPath(ApiRoutes.bucketObjects, { bucket: "dummy-application-builds" })}?prefix=`,
          );
          const keys = objects.objects.map((o) => o.key);
          for (const key of ["application-1.0.0-1.tgz", "application-1.0.0-2.tgz"])
            assert.ok(keys.includes(key), `dummy-application-builds holds ${key}: ${keys.join(", ")}`);

          // 5. Break a unit test: run 3 fails at `test` and goes no further; build 2 stays.
          await edit(path.join(up.repo, "src/increment.ts"), "x + 1", "x + 2");
          await commit(up, "Break increment");
          const run3 = await waitForRun(api, PIPELINE, 3, undefined, { timeoutMs: 60_000, abortIf });
          assert.equal(run3.result, "failed", summarizeRun(run3));
          assert.equal(stage(run3, "test")?.result, "failed", summarizeRun(run3));
          for (const name of ["package", "publish", "deploy"])
            assert.equal(stage(run3, name), undefined, `${name} did not run: ${summarizeRun(run3)}`);
          assert.ok(isBuild2(await page(appUrl)), "the stable address still serves build 2");

          // 6. Roll back: rerun run 1's deploy, as the UI's and the CLI's rerun do.
          const rerunAt = performance.now();
          const rerun = await api.rerun(PIPELINE, 1, "deploy");
          assert.equal(rerun.counter, 2, "the rerun is deploy's second attempt");
          await waitFor(async () => isBuild1(await page(appUrl)), {
            timeoutMs: 60_000,
            message: `build 1's page at ${appUrl} again`,
            abortIf,
          });
          const seen1 = performance.now();
          t.diagnostic(`rerun → build 1 served again: ${((seen1 - rerunAt) / 1000).toFixed(1)} s`);
          const rolledBack = await waitForRun(
            api,
            PIPELINE,
            1,
            (run) => {
              const result = run.stages.find(
                (s) => s.name === "deploy" && s.counter === rerun.counter,
              )?.result;
              return result !== undefined && result !== "building";
            },
            { timeoutMs: 60_000, abortIf },
          );
          assert.equal(stage(rolledBack, "deploy")?.counter, rerun.counter, summarizeRun(rolledBack));
          assert.equal(stage(rolledBack, "deploy")?.result, "passed", summarizeRun(rolledBack));
          assert.deepEqual(await statuses("app-server-build-1-2"), ["CREATE_COMPLETE"]);
          assert.deepEqual(await statuses("app-server-build-2"), ["DELETE_COMPLETE"]);
          assert.deepEqual(await instanceStates("app-server-build-1-2"), ["running"]);
          assert.deepEqual(await instanceStates("app-server-build-2"), ["terminated"]);
          await waitFor(
            () => load.samples.filter((s) => s.startedAt >= seen1 && isBuild1(s.body)).length >= 20,
            {
              message: "20 answers from build 1 after the rollback",
            },
          );

          // 7. Zero failed requests; after each move, only the new build answered.
          await load.stop();
          const failures = load.failures();
          assert.deepEqual(
            failures.slice(0, 10),
            [],
            `${failures.length} of ${load.samples.length} requests failed`,
          );
          t.diagnostic(`${load.samples.length} requests to ${appUrl}`);
          assert.ok(load.samples.length > 100, `only ${load.samples.length} requests were sent`);
          const between = (from: number, to: number) =>
            load.samples.filter((s) => s.startedAt >= from && s.startedAt < to);
          assert.deepEqual(
            between(seen2, rerunAt)
              .filter((s) => !isBuild2(s.body))
              .slice(0, 3),
            [],
            "every request sent after build 2 was first seen (until the rollback) was answered by build 2",
          );
          assert.deepEqual(
            between(seen1, Infinity)
              .filter((s) => !isBuild1(s.body))
              .slice(0, 3),
            [],
            "every request sent after the rollback was first seen was answered by build 1",
          );
          assert.deepEqual(
            load.samples.filter((s) => !isBuild1(s.body) && !isBuild2(s.body)).slice(0, 3),
            [],
            "no other page was ever served",
          );
          assert.ok(between(seen2, rerunAt).length >= 20, "build 2 served the load");
        }),
    );
  },
);
