/**
 * Dashboard page at scale (issue 3's Performance): with 200 pipelines × `runsEach` runs, headless Chromium opens
 * the dashboard and reports first contentful paint and the dashboard API's response time as the page saw them
 * (Performance API). Then, on a small live setup, how long a stage change takes to show on an open dashboard
 * after the server recorded it (the stage's completedAt vs the moment the page's text changed).
 */
import { createGitRepo, startFawkes, waitForRun, yamlString, type CleanupScope } from "@fawkes/testing";
import { openChromiumPage as openPage } from "./chromium.ts";
import { startSeededServer } from "../lib/dashboard.ts";

/** In-page reads of the Performance API (the bench is typechecked without the DOM library). */
interface PerfGlobals {
  performance: {
    getEntriesByType(
      type: string,
    ): { name: string; startTime: number; responseEnd: number; requestStart: number }[];
    getEntriesByName(name: string): { startTime: number }[];
    timeOrigin: number;
    now(): number;
  };
}

export async function benchDashboardPage(
  scope: CleanupScope,
  options: { runsEach: number; samples: number },
): Promise<{ fcpMs: number[]; apiMs: number[] }> {
  const { server } = await startSeededServer(scope, { pipelines: 200, runsEach: options.runsEach });
  const page = await openPage(scope);
  // Log in once (sets the session cookie), then measure fresh loads of the dashboard.
  await page.goto(`${server.url}/#token=${encodeURIComponent(server.token)}`);
  await page.getByRole("navigation", { name: "Main" }).waitFor();
  const fcpMs: number[] = [];
  const apiMs: number[] = [];
  for (let i = 0; i < options.samples; i++) {
    await page.goto(`${server.url}/`);
    await page.getByRole("heading", { name: "p199" }).waitFor();
    const timing = await page.evaluate(() => {
      const perf = (globalThis as unknown as PerfGlobals).performance;
      const fcp = perf.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN;
      const api = perf.getEntriesByType("resource").find((entry) => entry.name.endsWith("/api/v1/pipelines"));
      return { fcp, api: api ? api.responseEnd - api.requestStart : Number.NaN };
    });
    fcpMs.push(timing.fcp);
    apiMs.push(timing.api);
  }
  return { fcpMs, apiMs };
}

/** A stage change reaching an open dashboard: the page's clock when "Passed" appears minus the stage's completedAt. */
export async function benchStageEventLatency(
  scope: CleanupScope,
  options: { samples: number },
): Promise<number[]> {
  const repo = await createGitRepo(scope, { "a.txt": "1" });
  const yaml = `format_version: 10
pipelines:
  live:
    materials:
      src: {git: ${yamlString(repo.path)}, branch: main, auto_update: false}
    stages:
      - s: {fetch_materials: false, jobs: {j: {tasks: [{exec: {command: sh, arguments: ["-c", "sleep 0.3"]}}]}}}
`;
  const fawkes = await startFawkes(scope, {
    pipelineFiles: { "live.gocd.yaml": yaml },
    expectPipelines: ["live"],
  });
  const page = await openPage(scope);
  await page.goto(`${fawkes.server.url}/#token=${encodeURIComponent(fawkes.server.token)}`);
  await page.getByRole("heading", { name: "live" }).waitFor();
  const samples: number[] = [];
  for (let i = 1; i <= options.samples; i++) {
    // Record, in the page, the wall-clock time at which the run's result text first reads "Passed".
    await page.evaluate((counter) => {
      type El = { textContent: string | null; querySelector(selector: string): El | null };
      const g = globalThis as unknown as {
        document: El & { body: unknown };
        MutationObserver: new (cb: () => void) => {
          observe(n: unknown, o: object): void;
          disconnect(): void;
        };
        __passedAt?: number;
        performance: PerfGlobals["performance"];
      };
      g.__passedAt = undefined;
      const card = (): El | null => g.document.querySelector('article[data-pipeline="live"]');
      const observer = new g.MutationObserver(() => {
        const shown = card();
        const passed = shown?.querySelector('[data-stage="s"][data-state="passed"]');
        if (
          g.__passedAt === undefined &&
          shown?.querySelector(".run-label")?.textContent === String(counter) &&
          passed
        ) {
          g.__passedAt = g.performance.timeOrigin + g.performance.now();
          observer.disconnect();
        }
      });
      observer.observe(g.document.body, {
        subtree: true,
        childList: true,
        characterData: true,
        attributes: true,
      });
    }, i);
    const { counter } = await fawkes.api.trigger("live");
    const run = await waitForRun(fawkes.api, "live", counter, (r) => r.result === "passed", {
      timeoutMs: 30_000,
    });
    const shownAt = await page.waitForFunction(
      () => (globalThis as unknown as { __passedAt?: number }).__passedAt,
      undefined,
      { timeout: 30_000 },
    );
    samples.push(Number(await shownAt.jsonValue()) - (run.stages[0]?.completedAt ?? Number.NaN));
  }
  return samples;
}
