/**
 * Console page with a big log (issue 3's Performance: "Console page with a 50 MB log: scrolling stays
 * responsive (no long task over 100 ms while scrolling), memory in the page under 200 MB").
 *
 * Starts a real server and agent, runs a job that prints `megabytes` of ~80-byte lines with ANSI colours, opens
 * its console in headless Chromium and measures: the time from opening the job page to the whole log being
 * loaded (`loadMs`), `performance.memory.usedJSHeapSize` once loaded (`heapMiB`), and the longest task
 * (PerformanceObserver "longtask") while scrolling through the log — small steps, page jumps and random jumps
 * across the whole log, each followed by a rendered frame (`maxLongTaskMs`).
 *
 * Needs the built UI (packages/web/dist). Run alone: `node bench/ui/console.ts [--megabytes N]`.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { CleanupStack, createGitRepo, repoRoot, startFawkes, waitForRun, yamlString } from "@fawkes/testing";
import { openChromiumPage } from "./chromium.ts";

export interface ConsoleBenchOptions {
  /** Size of the job's log. @default 50 */
  megabytes?: number;
  /** Scroll steps of each kind (small, page, random jump). @default 100 */
  steps?: number;
  /** @default "/usr/bin/chromium" (or $FAWKES_CHROMIUM) */
  chromiumPath?: string;
  /** Save a screenshot of the scrolled console here. */
  screenshotPath?: string;
}

export interface ConsoleBenchResult {
  maxLongTaskMs: number;
  heapMiB: number;
  loadMs: number;
  lines: number;
  longTasks: number;
}

const LINE_BYTES = 80;

/** The few browser globals the in-page functions use (the bench is typechecked without the DOM library). */
interface ScrollingElement {
  scrollTop: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
  focus(): void;
  querySelectorAll(selector: string): { length: number };
}
interface PageGlobals {
  history: { pushState(state: unknown, title: string, url: string): void };
  dispatchEvent(event: unknown): boolean;
  PopStateEvent: new (type: string) => unknown;
  document: { querySelector(selector: string): unknown };
  requestAnimationFrame(callback: () => void): number;
  PerformanceObserver: new (callback: (list: { getEntries(): { duration: number }[] }) => void) => {
    observe(options: { type: string }): void;
    disconnect(): void;
  };
  performance: { memory?: { usedJSHeapSize: number } };
  gc?: () => void;
}

/** A shell command printing `bytes` of coloured ~80-byte lines (numbered, so any line can be checked). */
function printCommand(bytes: number): string {
  const lines = Math.ceil(bytes / LINE_BYTES);
  // "\033[32m0000001\033[0m " is 20 bytes; the text pads the line to 80 with its newline.
  const text = "lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tem";
  return `awk 'BEGIN { for (i = 1; i <= ${lines}; i++) printf "\\033[32m%07d\\033[0m %s\\n", i, "${text.slice(0, LINE_BYTES - 21)}" }'`;
}

export async function benchConsole(options: ConsoleBenchOptions = {}): Promise<ConsoleBenchResult> {
  const megabytes = options.megabytes ?? 50;
  const steps = options.steps ?? 100;
  const scope = new CleanupStack();
  try {
    const repo = await createGitRepo(scope, { "README.md": "console bench\n" });
    const yaml = `format_version: 10
pipelines:
  console-bench:
    group: bench
    materials:
      app: {git: ${yamlString(repo.path)}, branch: main, auto_update: false}
    stages:
      - print:
          fetch_materials: false
          jobs:
            log:
              tasks:
                - exec: {command: sh, arguments: ["-c", ${yamlString(printCommand(megabytes * 1_000_000))}]}
`;
    const fawkes = await startFawkes(scope, {
      pipelineFiles: { "bench.gocd.yaml": yaml },
      expectPipelines: ["console-bench"],
      serverEnv: { FAWKES_LOG_LEVEL: "warn" },
    });
    const { counter } = await fawkes.api.trigger("console-bench");
    await waitForRun(fawkes.api, "console-bench", counter, (run) => run.result !== "building", {
      timeoutMs: 300_000,
    });

    const page = await openChromiumPage(scope, {
      ...(options.chromiumPath !== undefined && { executablePath: options.chromiumPath }),
      extraArgs: ["--enable-precise-memory-info", "--js-flags=--expose-gc"],
    });
    await page.goto(`${fawkes.server.url}/#token=${encodeURIComponent(fawkes.server.token)}`);
    await page.getByRole("navigation", { name: "Main" }).waitFor();

    const started = Date.now();
    await page.evaluate((url) => {
      const g = globalThis as unknown as PageGlobals;
      g.history.pushState(null, "", url);
      g.dispatchEvent(new g.PopStateEvent("popstate"));
    }, `/pipelines/console-bench/${counter}/print/1/log`);
    await page.getByText("Log complete").waitFor({ timeout: 300_000 });
    const loadMs = Date.now() - started;
    const lines = Number(
      ((await page.locator(".fk-console-count").innerText()).match(/[\d,]+/)?.[0] ?? "0").replaceAll(",", ""),
    );

    const heapBytes = await page.evaluate(async () => {
      const g = globalThis as unknown as PageGlobals;
      g.gc?.();
      await new Promise((resolve) => setTimeout(resolve, 100));
      return g.performance.memory?.usedJSHeapSize ?? NaN;
    });

    const scroll = await page.evaluate(async (stepsPerKind) => {
      const g = globalThis as unknown as PageGlobals;
      const viewport = g.document.querySelector(".fk-console-viewport") as ScrollingElement;
      const longTasks: number[] = [];
      const observer = new g.PerformanceObserver((list) => {
        for (const entry of list.getEntries()) longTasks.push(entry.duration);
      });
      observer.observe({ type: "longtask" });
      const frame = () =>
        new Promise((resolve) =>
          g.requestAnimationFrame(() => g.requestAnimationFrame(() => resolve(undefined))),
        );
      // Read the geometry once: reading it inside the loop would force layouts the page itself never does.
      const bottom = viewport.scrollHeight - viewport.clientHeight;
      const pageHeight = viewport.clientHeight;
      viewport.focus();
      viewport.scrollTop = 0;
      await frame();
      for (let i = 0; i < stepsPerKind; i++) {
        viewport.scrollTop += 57; // a few rows, like a wheel notch
        await frame();
      }
      for (let i = 0; i < stepsPerKind; i++) {
        viewport.scrollTop += pageHeight;
        await frame();
      }
      let seed = 42;
      for (let i = 0; i < stepsPerKind; i++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        viewport.scrollTop = (seed / 2 ** 31) * bottom;
        await frame();
      }
      viewport.scrollTop = bottom;
      await frame();
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the observer deliver the last entries
      observer.disconnect();
      return { longTasks, rendered: viewport.querySelectorAll(".fk-console-row").length };
    }, steps);

    if (options.screenshotPath) {
      await mkdir(path.dirname(options.screenshotPath), { recursive: true });
      await page.screenshot({ path: options.screenshotPath });
    }
    if (scroll.rendered > 200)
      throw new Error(`the console rendered ${scroll.rendered} rows: not virtualised`);
    return {
      maxLongTaskMs: Math.max(0, ...scroll.longTasks),
      heapMiB: heapBytes / 2 ** 20,
      loadMs,
      lines,
      longTasks: scroll.longTasks.length,
    };
  } finally {
    await scope.close();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { megabytes: { type: "string", default: "50" } } });
  const result = await benchConsole({
    megabytes: Number(values.megabytes),
    screenshotPath: path.join(repoRoot, "test-output", "screenshots", "bench-console.png"),
  });
  console.log(
    `console with a ${values.megabytes} MB log (${result.lines.toLocaleString("en")} lines): ` +
      `load ${result.loadMs} ms · heap ${result.heapMiB.toFixed(1)} MiB (target < 200) · ` +
      `longest task while scrolling ${result.maxLongTaskMs.toFixed(0)} ms (target ≤ 100; ${result.longTasks} long tasks)`,
  );
}
