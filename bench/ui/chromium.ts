/** Headless Debian Chromium for the UI benches (flags that keep it off the network on these machines). */
import { chromium, type Page } from "playwright-core";
import { tempDir, type CleanupScope } from "@fawkes/testing";

export async function openChromiumPage(
  scope: CleanupScope,
  options: { executablePath?: string; extraArgs?: string[] } = {},
): Promise<Page> {
  const profile = await tempDir(scope, "fawkes-bench-chromium-");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: options.executablePath ?? process.env.FAWKES_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      ...(options.extraArgs ?? []),
    ],
  });
  scope.after(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(120_000);
  return page;
}
