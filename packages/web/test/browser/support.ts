/**
 * Browser test support: Debian's Chromium driven by playwright-core, headless, with a fresh profile per test,
 * logged in to a Fawkes server through the `#token=` link that `fawkes up` prints. Screenshots go to
 * test-output/screenshots/<name>.png at the repository root.
 */
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { onCleanup, repoRoot, tempDir, type CleanupScope } from "@fawkes/testing";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.FAWKES_CHROMIUM ?? "/usr/bin/chromium";
export const SCREENSHOT_DIR = path.join(repoRoot, "test-output", "screenshots");

/** Desktop and phone widths the UI must work at. */
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export async function launchBrowser(t: CleanupScope): Promise<BrowserContext> {
  const profile = await tempDir(t, "fawkes-chromium-");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: DESKTOP,
  });
  onCleanup(t, () => context.close());
  context.setDefaultTimeout(30_000);
  return context;
}

export interface UiSession {
  context: BrowserContext;
  page: Page;
  /** Save a screenshot of the whole page as test-output/screenshots/<name>.png. */
  screenshot(name: string): Promise<void>;
  /**
   * Mark the current document; `assertNotReloaded` fails if the browser loaded a new one since (live updates
   * must arrive without a reload).
   */
  markDocument(): Promise<void>;
  assertNotReloaded(): Promise<void>;
}

/** A page logged in to `server` (the UI exchanges the fragment's token for a session cookie), at `path`. */
export async function openUi(
  t: CleanupScope,
  server: { url: string; token: string },
  path = "/",
): Promise<UiSession> {
  const context = await launchBrowser(t);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${server.url}${path}#token=${encodeURIComponent(server.token)}`);
  // Logged in: the header's navigation shows, and the token left the address bar.
  await page.getByRole("navigation", { name: "Main" }).waitFor();
  if (page.url().includes("token=")) throw new Error(`the token stayed in the URL: ${page.url()}`);
  onCleanup(t, () => {
    if (errors.length > 0) throw new Error(`uncaught errors in the page:\n${errors.join("\n")}`);
  });
  return {
    context,
    page,
    screenshot: (name) => saveScreenshot(page, name),
    async markDocument() {
      await page.evaluate(() => {
        (window as unknown as { fawkesTestMark: boolean }).fawkesTestMark = true;
      });
    },
    async assertNotReloaded() {
      const marked = await page.evaluate(
        () => (window as unknown as { fawkesTestMark?: boolean }).fawkesTestMark === true,
      );
      if (!marked) throw new Error("the page was reloaded");
    },
  };
}

export interface ScreenshotOptions {
  /** @default SCREENSHOT_DIR */
  dir?: string;
  /** The whole page, or only what the viewport shows (images for the docs). @default true */
  fullPage?: boolean;
}

export async function saveScreenshot(
  page: Page,
  name: string,
  options: ScreenshotOptions = {},
): Promise<void> {
  const dir = options.dir ?? SCREENSHOT_DIR;
  await mkdir(dir, { recursive: true });
  await page.screenshot({
    path: path.join(dir, `${name}.png`),
    fullPage: options.fullPage ?? true,
    animations: "disabled",
  });
}

/** Run a browser scenario; on failure save `<name>-failure.png` beside the others before rethrowing. */
export async function withFailureScreenshot<T>(
  page: Page,
  name: string,
  scenario: () => Promise<T>,
): Promise<T> {
  try {
    return await scenario();
  } catch (error) {
    await saveScreenshot(page, `${name}-failure`).catch(() => undefined);
    throw error;
  }
}

/** Fail when the page scrolls sideways at the current width (naming the elements that stick out). */
export async function assertNoHorizontalOverflow(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    return [...document.querySelectorAll("body *")]
      .filter((element) => element.getBoundingClientRect().right > width + 1)
      .slice(0, 10)
      .map(
        (element) =>
          `${element.tagName.toLowerCase()}.${element.className} (right ${Math.round(element.getBoundingClientRect().right)})`,
      );
  });
  if (overflow.length > 0) throw new Error(`the page is wider than the screen: ${overflow.join(", ")}`);
}

/** axe-core's source, read once (it is injected into each document the check runs in). */
let axeSource: Promise<string> | undefined;
const loadAxe = (): Promise<string> =>
  (axeSource ??= readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8"));

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * Fail listing every accessibility problem axe-core finds on the page as it is now (WCAG 2.2 A and AA, plus
 * `label-content-name-mismatch`: an accessible name must contain the visible text, WCAG 2.5.3), and every
 * button or link whose accessible name does not contain its visible text (axe's rule skips some of those).
 * `what` names the page in the message.
 */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: await loadAxe() });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<unknown> } })
      .axe;
    const results = (await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
      rules: { "label-content-name-mismatch": { enabled: true } },
      resultTypes: ["violations"],
    })) as { violations: AxeViolation[] };
    return results.violations;
  });
  const mismatches = await page.evaluate(() => {
    const words = (text: string) =>
      text
        .toLowerCase()
        .replace(/[^\p{L}\p{N}]+/gu, " ")
        .trim();
    return [...document.querySelectorAll("button[aria-label], a[aria-label], [role=button][aria-label]")]
      .filter((element) => (element as HTMLElement).offsetParent !== null)
      .map((element) => ({
        name: element.getAttribute("aria-label") ?? "",
        text: (element as HTMLElement).innerText,
      }))
      .filter(({ name, text }) => words(text) !== "" && !` ${words(name)} `.includes(` ${words(text)} `))
      .map(({ name, text }) => `"${text.trim()}" is named "${name}"`);
  });
  const problems = [
    ...violations.map(
      (violation) =>
        `${violation.id} (${violation.impact ?? "?"}): ${violation.help}\n` +
        violation.nodes
          .slice(0, 5)
          .map(
            (node) => `    ${JSON.stringify(node.target)} ${node.failureSummary?.replace(/\s+/g, " ") ?? ""}`,
          )
          .join("\n"),
    ),
    ...mismatches.map((mismatch) => `accessible name without the visible text: ${mismatch}`),
  ];
  if (problems.length > 0) throw new Error(`accessibility problems on ${what}:\n  ${problems.join("\n  ")}`);
}
