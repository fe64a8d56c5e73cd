/**
 * Issue 14's micro-figure: what issuing a job's role session adds to job start (the role lookup, trust decision
 * and sealed insert in the dispatch step, then the session read for the job's environment), on SQLite and
 * PostgreSQL. The measuring runs in the server package (packages/server/scripts/bench-session-issue.ts, which
 * may use the store); this runs it and turns its samples into figures.
 * Run alone: `node bench/identity/session-issue.ts [--quick]`.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { renderTable, type Figure } from "../lib/figures.ts";
import { summarize } from "../lib/stats.ts";

const script = path.join(
  import.meta.dirname,
  "..",
  "..",
  "packages",
  "server",
  "scripts",
  "bench-session-issue.ts",
);

export async function benchSessionIssue(options: { quick: boolean }): Promise<Omit<Figure, "summary">[]> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [script, "--samples", options.quick ? "50" : "300"],
      { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
      (error, out, err) => (error ? reject(Object.assign(error, { stderr: err })) : resolve(out)),
    );
  });
  const samples = JSON.parse(stdout) as Record<string, number[]>;
  return Object.entries(samples).map(([store, values]) => ({
    id: `job_session_issue_ms_${store}`,
    label: `issuing a job's role session (added to job start, ${store === "sqlite" ? "SQLite" : "PostgreSQL"})`,
    unit: "ms",
    samples: values,
    target: { max: 5, text: "≤ 5 ms (issue 14)" },
    peer: "—",
  }));
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
  const figures = (await benchSessionIssue({ quick: values.quick === true })).map((figure) => ({
    ...figure,
    summary: summarize(figure.samples),
  }));
  console.log(renderTable(figures));
}
