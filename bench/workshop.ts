/**
 * The workshop end to end (issue 16's Performance section): `fawkes up` as the README starts it, then commits to
 * the example's repository, each changing the page's `<p>…</p>` text, timed from `git commit` to the new text
 * served at the stable address. Each total is broken down from the run's own data (the REST API's run, stage and
 * job times, the deploy stack's events) into trigger latency, each stage, the gaps between stages and the
 * address move → first served; every part's share of the total is printed. The floor, measured in the same run:
 * the same work by the plainest means (a shell in a fresh clone: test, tar, upload, download, start, curl).
 * Run alone: `node bench/workshop.ts [--quick] [--commits N]` (needs root for the phoenix instances).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  ApiRoutes,
  apiPath,
  type AuditListDto,
  type CreatedAccessKeyDto,
  type PipelineRunDto,
  type StackDetailsDto,
  type StackEventListDto,
  type StageRunDto,
} from "@fawkes/protocol";
import {
  CleanupStack,
  awsCli,
  cliMain,
  git,
  gitEnv,
  repoRoot,
  startUpProcess,
  summarizeRun,
  tempDir,
  waitFor,
  waitForRun,
  type UpProcess,
} from "@fawkes/testing";
import { renderTable, type Figure } from "./lib/figures.ts";
import { machineInfo } from "./lib/proc.ts";
import { nowMs, summarize } from "./lib/stats.ts";

const PIPELINE = "dummy-application";
const STAGES = ["test", "package", "publish", "deploy"] as const;
const TARGET_MS = 20_000;
/** How often the stable address is polled while a commit is on its way (fresh connection each time). */
const POLL_MS = 20;
const AWS = process.env.FAWKES_TEST_AWS ?? "/usr/bin/aws";

/** Why this bench cannot run here, or undefined. */
export function workshopSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "not root (phoenix instances need namespaces and overlay mounts)";
  if (!existsSync(AWS)) return `no awscli at ${AWS} (the publish stage and the servers use it)`;
  return undefined;
}

/** When `git commit` was started and when it returned (the bench's clock, epoch ms). */
interface Commit {
  started: number;
  returned: number;
}

/** One commit's timeline, split into consecutive parts (ms) that add up to `total`. */
interface Breakdown {
  total: number;
  parts: Map<string, number>;
  /** Not on the path to "served": the deploy job's rest (`--wait` seeing the end, retiring the old server). */
  afterServed: number;
}

/** GET `url` on a fresh connection; the body, or "" when nothing answers. */
const fetchText = (url: string): Promise<string> =>
  fetch(url, { headers: { connection: "close" }, signal: AbortSignal.timeout(5_000) }).then(
    (response) => response.text(),
    () => "",
  );

/** Polls `url` every POLL_MS until its body contains `text`; the epoch ms of that answer. */
async function servedAt(url: string, text: string, timeoutMs: number, why: () => Promise<string>) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if ((await fetchText(url)).includes(text)) return nowMs();
    if (performance.now() > deadline)
      throw new Error(`${url} did not serve ${JSON.stringify(text)} within ${timeoutMs} ms: ${await why()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function stage(run: PipelineRunDto, name: string): StageRunDto {
  const found = run.stages.find((candidate) => candidate.name === name);
  if (found === undefined || found.completedAt === null)
    throw new Error(`run ${run.counter}: no ${name} stage`);
  return found;
}

/** The one job of a stage, with its times (every stage of the example has one job). */
function job(run: PipelineRunDto, name: string) {
  const only = stage(run, name).jobs[0];
  if (only?.assignedAt == null || only.completedAt === null)
    throw new Error(`run ${run.counter}: ${name} job`);
  return { scheduledAt: only.scheduledAt, assignedAt: only.assignedAt, completedAt: only.completedAt };
}

/** The run the commit `sha` started (newest first in the status). */
async function runOf(up: UpProcess, sha: string): Promise<number> {
  return waitFor(
    async () => {
      const { runs } = await up.api.status(PIPELINE, 5);
      return runs.find((run) => run.materials.some((material) => material.revision === sha))?.counter;
    },
    { timeoutMs: 30_000, message: `the run of commit ${sha}` },
  );
}

/**
 * Splits commit → served with the run's times and the deploy stack's events. Every boundary is a server
 * timestamp (ms, same host clock) except the commit and the first served answer (the bench's clock).
 */
async function breakDown(up: UpProcess, run: PipelineRunDto, commit: Commit, served: number) {
  const parts = new Map<string, number>();
  const add = (label: string, from: number, to: number) => parts.set(label, to - from);
  const [test, , publish, deploy] = STAGES.map((name) => stage(run, name));
  // The server records each notify in the audit log once it has reloaded the config (the example's repository
  // is its config source too) and asked the watcher to look at the material.
  const query = new URLSearchParams({ action: "material.notify", since: String(Math.floor(commit.started)) });
  const { entries } = await up.api.get<AuditListDto>(`${ApiRoutes.audit}?${query}`);
  const notified = entries.at(-1)?.at;
  if (notified === undefined) throw new Error(`run ${run.counter}: no material.notify since the commit`);
  add("trigger: `git commit` (returns)", commit.started, commit.returned);
  add("trigger: hook's `fawkes notify` → notify handled", commit.returned, notified);
  add("trigger: notify handled → run created", notified, run.createdAt);
  add("gap: run created → test scheduled", run.createdAt, test!.scheduledAt);
  let previous: StageRunDto | undefined;
  for (const name of STAGES.slice(0, 3)) {
    const times = job(run, name);
    const current = stage(run, name);
    if (previous !== undefined)
      add(`gap: ${previous.name} → ${name}`, previous.completedAt!, current.scheduledAt);
    add(`${name}: waiting for the agent`, current.scheduledAt, times.assignedAt);
    add(`${name}: job (checkout + tasks)`, times.assignedAt, current.completedAt!);
    previous = current;
  }
  add("gap: publish → deploy", publish!.completedAt!, deploy!.scheduledAt);
  const deployJob = job(run, "deploy");
  add("deploy: waiting for the agent", deploy!.scheduledAt, deployJob.assignedAt);
  const stackName = `app-server-build-${run.counter}`;
  const stack = await up.api.get<StackDetailsDto>(apiPath(ApiRoutes.stack, { stack: stackName }));
  const { events } = await up.api.get<StackEventListDto>(
    apiPath(ApiRoutes.stackEvents, { stack: stackName }),
  );
  const complete = (logicalId: string): number => {
    const event = events.find((e) => e.logicalId === logicalId && e.status === "CREATE_COMPLETE");
    if (event === undefined) throw new Error(`${stackName}: no CREATE_COMPLETE for ${logicalId}`);
    return event.at;
  };
  add("deploy: checkout + `fawkes stack create` → stack created", deployJob.assignedAt, stack.createdAt);
  add("deploy: stack created → server signalled", stack.createdAt, complete("AppServer"));
  add("deploy: signalled → address moved", complete("AppServer"), complete("AddressMove"));
  add("deploy: address moved → first served", complete("AddressMove"), served);
  const total = served - commit.started;
  const sum = [...parts.values()].reduce((a, b) => a + b, 0);
  if (Math.abs(sum - total) > 1) throw new Error(`parts add up to ${sum} ms, not ${total} ms`);
  return { total, parts, afterServed: deployJob.completedAt - served } satisfies Breakdown;
}

/** The example's page with its `<p>…</p>` line's text replaced. */
async function changePage(repo: string, text: string): Promise<void> {
  const file = path.join(repo, "src", "public", "index.html");
  const page = await readFile(file, "utf8");
  const changed = page.replace(/<p>.*<\/p>/, `<p>${text}</p>`);
  if (changed === page) throw new Error(`no <p>…</p> line in ${file}`);
  await writeFile(file, changed);
}

/** `git add -A && git commit` in `repo` with the user's $XDG_CONFIG_HOME (its post-commit hook reads it). */
async function commitAll(repo: string, message: string, xdg: string): Promise<void> {
  await git(repo, ["add", "-A"]);
  await new Promise<void>((resolve, reject) => {
    execFile(
      "git",
      ["commit", "-q", "-m", message],
      { cwd: repo, env: gitEnv({ XDG_CONFIG_HOME: xdg }) },
      (error) => (error === null ? resolve() : reject(error)),
    );
  });
}

/** `sh -c script` in `cwd`; resolves with its wall time (ms), rejects with its output on failure. */
function shell(script: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      "sh",
      ["-c", script],
      { cwd, env: { ...process.env, ...env }, timeout: 120_000 },
      (error, out, err) => {
        if (error === null) resolve(performance.now() - started);
        else reject(new Error(`${script} failed: ${error.message}\n${out}${err}`));
      },
    );
  });
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });

/**
 * The floor: the pipeline's work by the plainest means, in a shell on this machine, no Fawkes in between — a
 * fresh clone, the test stage's command, the package stage's `tar`, the upload with `aws s3 cp` (an access key,
 * not a role session), then what the new server does: download, unpack, start the app, first answer.
 */
async function floorOnce(scope: CleanupStack, up: UpProcess, env: NodeJS.ProcessEnv, build: number) {
  const work = await tempDir(scope, "fawkes-bench-floor-");
  const clone = path.join(work, "clone");
  const server = path.join(work, "server");
  const node = process.execPath;
  const s3 = `aws --endpoint-url '${up.cloudUrl}' s3 cp`;
  const steps = new Map<string, number>();
  const started = performance.now();
  steps.set("git clone", await shell(`git clone -q '${up.repo}' '${clone}'`, work));
  steps.set("test: node --test", await shell(`'${node}' --test 'test/*.test.ts' > /dev/null`, clone));
  steps.set(
    "package: tar czf",
    await shell(
      `mkdir -p packages && tar czf packages/application-1.0.0-${build}.tgz src package.json`,
      clone,
    ),
  );
  steps.set(
    "publish: aws s3 cp (upload)",
    await shell(
      `${s3} packages/ s3://${FLOOR_BUCKET}/ --recursive --exclude '*' --include 'application-*-${build}*' --only-show-errors`,
      clone,
      env,
    ),
  );
  const port = await freePort();
  const deployStarted = performance.now();
  await shell(
    `mkdir -p '${server}' && cd '${server}' && ${s3} s3://${FLOOR_BUCKET}/ . --recursive --exclude '*' ` +
      `--include 'application-*-${build}.tgz' --only-show-errors && tar xzf application-*-${build}.tgz`,
    work,
    env,
  );
  const app = execFile(node, ["src/server.ts"], {
    cwd: server,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1" },
  });
  try {
    await servedAt(`http://127.0.0.1:${port}/`, "<p>", 30_000, async () => "the floor's app");
    steps.set("deploy: download, unpack, start, first answer", performance.now() - deployStarted);
  } finally {
    app.kill("SIGKILL");
  }
  return { total: performance.now() - started, steps };
}

const FLOOR_BUCKET = "fawkes-bench-floor";

/** Wall time of `fawkes --help` (the CLI's start, all commands loaded) and of a bare `node -e ""`, alternately. */
async function cliStartMs(samples: number) {
  const fawkes: number[] = [];
  const node: number[] = [];
  for (let index = 0; index < samples; index++) {
    fawkes.push(await shell(`'${process.execPath}' '${cliMain}' --help > /dev/null`, repoRoot));
    node.push(await shell(`'${process.execPath}' -e ''`, repoRoot));
  }
  return { fawkes, node };
}

/** An access key for the floor's `aws` commands and the floor's own bucket (the example's is the pipeline's). */
async function floorCredentials(scope: CleanupStack, up: UpProcess): Promise<NodeJS.ProcessEnv> {
  const key = await up.api.post<CreatedAccessKeyDto>(ApiRoutes.credentials, {
    name: "bench-floor",
    policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
  });
  const home = await tempDir(scope, "fawkes-bench-aws-");
  const made = await awsCli(up.cloudUrl, home, key)("s3", "mb", `s3://${FLOOR_BUCKET}`);
  if (made.code !== 0) throw new Error(`aws s3 mb: ${made.stderr}`);
  return {
    HOME: home,
    AWS_ACCESS_KEY_ID: key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: path.join(home, "config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, "credentials"),
  };
}

const ms = (value: number) => `${value.toFixed(0)} ms`;

/** One commit's parts summed by their first word (trigger, test, …, gap), for the per-commit line. */
function groups(breakdown: Breakdown): string {
  const sums = new Map<string, number>();
  for (const [label, value] of breakdown.parts) {
    const group = /^(\w+):/.exec(label)?.[1] ?? "other";
    sums.set(group, (sums.get(group) ?? 0) + value);
  }
  return [...sums].map(([group, value]) => `${group} ${ms(value)}`).join(", ");
}
const spreadNote = (samples: number[]) => {
  const s = summarize(samples);
  return `min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)} ms`;
};
/** A figure id from a part's label: "deploy: signalled → address moved" → "deploy_signalled_address_moved". */
const slug = (label: string) =>
  label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_|_$/g, "");
const mean = (samples: readonly number[]) => samples.reduce((a, b) => a + b, 0) / samples.length;

/** The parts' table: median, min, max and share of the total (means add up, so the shares sum to 100 %). */
function partsTable(breakdowns: Breakdown[]): string {
  const labels = [...breakdowns[0]!.parts.keys()];
  const totalMean = mean(breakdowns.map((b) => b.total));
  const rows = labels.map((label) => {
    const samples = breakdowns.map((b) => b.parts.get(label)!);
    const s = summarize(samples);
    return [label, ms(s.median), ms(s.min), ms(s.max), `${((100 * mean(samples)) / totalMean).toFixed(1)} %`];
  });
  const total = summarize(breakdowns.map((b) => b.total));
  rows.push(["total: commit → new text served", ms(total.median), ms(total.min), ms(total.max), "100 %"]);
  const header = ["part", "median", "min", "max", "share"];
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export async function benchWorkshop(options: {
  quick: boolean;
  commits?: number;
}): Promise<Omit<Figure, "summary">[]> {
  const commits = options.commits ?? (options.quick ? 2 : 5);
  const scope = new CleanupStack();
  try {
    // The hook's `fawkes notify` finds the server's token where `fawkes up` saved it: under $XDG_CONFIG_HOME,
    // which the harness points at a temp dir. An attendee commits as the user who ran `fawkes up`; the bench
    // commits with the same $XDG_CONFIG_HOME, or the notify is refused (401) and only polling would see the commit.
    const xdg = await tempDir(scope, "fawkes-bench-xdg-");
    const up = await startUpProcess(scope, { env: { XDG_CONFIG_HOME: xdg } });
    const why = async () => {
      const { runs } = await up.api.status(PIPELINE, 1).catch(() => ({ runs: [] as PipelineRunDto[] }));
      return runs[0] === undefined ? "no run" : summarizeRun(runs[0]);
    };
    // Run 1 starts with `fawkes up` and deploys build 1: a warm-up, not timed (as the README's first look).
    await waitForRun(up.api, PIPELINE, 1, undefined, { timeoutMs: 120_000 });
    const original = /<p>(.*)<\/p>/.exec(
      await readFile(path.join(up.repo, "src/public/index.html"), "utf8"),
    )?.[1];
    await servedAt(up.appUrl, `<p>${original}</p>`, 30_000, why);
    const floorEnv = await floorCredentials(scope, up);

    const breakdowns: Breakdown[] = [];
    const floors: Awaited<ReturnType<typeof floorOnce>>[] = [];
    for (let index = 1; index <= commits; index++) {
      floors.push(await floorOnce(scope, up, floorEnv, index));
      const text = `Bench commit ${index}, ${new Date().toISOString()}.`;
      await changePage(up.repo, text);
      const started = nowMs();
      // The post-commit hook (`fawkes notify` in the background) tells the server, as for a workshop attendee.
      await commitAll(up.repo, `Bench: change the page (${index})`, xdg);
      const commit = { started, returned: nowMs() };
      const served = await servedAt(up.appUrl, `<p>${text}</p>`, 120_000, why);
      const sha = await git(up.repo, ["rev-parse", "HEAD"]);
      const counter = await runOf(up, sha);
      const run = await waitForRun(up.api, PIPELINE, counter, undefined, { timeoutMs: 120_000 });
      if (run.result !== "passed") throw new Error(`run ${counter} ${run.result}: ${summarizeRun(run)}`);
      const breakdown = await breakDown(up, run, commit, served);
      breakdowns.push(breakdown);
      console.log(
        `  commit ${index} (run ${counter}): ${ms(breakdown.total)} to served (${groups(breakdown)}); ` +
          `floor ${ms(floors.at(-1)!.total)}`,
      );
    }

    const totals = breakdowns.map((b) => b.total);
    const floorTotals = floors.map((f) => f.total);
    const median = summarize(totals).median;
    const floorMedian = summarize(floorTotals).median;
    // Each commit over the floor measured just before it: the machine's load changes by the minute.
    const paired = totals.map((total, index) => total / floorTotals[index]!);
    const cli = await cliStartMs(options.quick ? 3 : 5);
    console.log(`\nworkshop: commit → served, ${commits} commits, median ${ms(median)} (target ≤ 20 s)\n`);
    console.log(partsTable(breakdowns));
    console.log(`\nfloor (plain shell, no Fawkes), medians:`);
    for (const label of floors[0]!.steps.keys())
      console.log(`  ${label}: ${ms(summarize(floors.map((f) => f.steps.get(label)!)).median)}`);
    console.log(
      `  total: ${ms(floorMedian)} (${spreadNote(floorTotals)}); ratio of medians ${(median / floorMedian).toFixed(1)}×, ` +
        `paired ratio median ${summarize(paired).median.toFixed(1)}×`,
    );
    console.log(
      `\nfawkes CLI start (\`fawkes --help\`, paid by the hook's notify, the deploy's stack create and ` +
        `cfn-signal): median ${ms(summarize(cli.fawkes).median)}; bare \`node -e ""\` ${ms(summarize(cli.node).median)}\n`,
    );

    const share = (label: string) =>
      `${((100 * mean(breakdowns.map((b) => b.parts.get(label)!))) / mean(totals)).toFixed(1)} % of the total`;
    const partFigures = [...breakdowns[0]!.parts.keys()].map((label) => ({
      id: `workshop_${slug(label)}_ms`,
      label: `  part: ${label}`,
      unit: "ms",
      samples: breakdowns.map((b) => b.parts.get(label)!),
      target: null,
      peer: "—",
      note: share(label),
    }));
    return [
      {
        id: "workshop_commit_to_served_ms",
        label: "workshop: git commit → new page text served at the stable address",
        unit: "ms",
        samples: totals,
        target: { max: TARGET_MS, text: "≤ 20 s (issue 16)" },
        peer: "many minutes on EC2",
        note: `${spreadNote(totals)}; ${(median / floorMedian).toFixed(1)}× the plain-shell floor`,
      },
      ...partFigures,
      {
        id: "workshop_after_served_ms",
        label: "  after: first served → deploy job completed (retire)",
        unit: "ms",
        samples: breakdowns.map((b) => b.afterServed),
        target: null,
        peer: "—",
        note: spreadNote(breakdowns.map((b) => b.afterServed)),
      },
      {
        id: "workshop_floor_ms",
        label: "floor: clone, test, tar, aws s3 cp up and down, start, first answer (shell)",
        unit: "ms",
        samples: floorTotals,
        target: null,
        peer: "—",
        note: spreadNote(floorTotals),
      },
      {
        id: "workshop_floor_ratio",
        label: "workshop commit → served ÷ floor (each commit ÷ the floor run just before it)",
        unit: "×",
        samples: paired,
        target: null,
        peer: "—",
        note: `ratio of the medians ${(median / floorMedian).toFixed(2)}×`,
      },
      {
        id: "workshop_cli_start_ms",
        label: "fawkes CLI start (`fawkes --help`): the hook, `stack create`, cfn-signal each pay it",
        unit: "ms",
        samples: cli.fawkes,
        target: null,
        peer: "—",
        note: `bare \`node -e ""\`: median ${ms(summarize(cli.node).median)}`,
      },
    ];
  } finally {
    await scope.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { quick: { type: "boolean", default: false }, commits: { type: "string" } },
  });
  const info = machineInfo();
  console.log(`nproc ${info.nproc}, ${info.cpu}, load ${info.loadavg}, node ${info.node}`);
  const skip = workshopSkipReason();
  if (skip !== undefined) {
    console.log(`workshop bench skipped: ${skip}`);
  } else {
    const commits = values.commits === undefined ? undefined : Number(values.commits);
    const figures = (await benchWorkshop({ quick: values.quick === true, commits })).map((figure) => ({
      ...figure,
      summary: summarize(figure.samples),
    }));
    console.log(renderTable(figures));
    for (const figure of figures) if (figure.note) console.log(`  ${figure.label.trim()}: ${figure.note}`);
  }
}
