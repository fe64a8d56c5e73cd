/**
 * Dashboard API at scale (issue 3): 200 pipelines × 1,000 runs each, seeded straight into the server's SQLite
 * file (the server made the schema on a first start), then `GET /api/v1/pipelines` timed against a running server.
 */
import { DatabaseSync } from "node:sqlite";
import type { CleanupScope } from "@fawkes/testing";
import { startServerProcess, writePipelineDir, type ServerProcess } from "@fawkes/testing";
import { nowMs } from "./stats.ts";

const pipelineName = (i: number): string => `p${String(i).padStart(3, "0")}`;

export function pipelinesYaml(pipelines: number): string {
  let yaml = "format_version: 10\npipelines:\n";
  for (let i = 0; i < pipelines; i++) {
    yaml += `  ${pipelineName(i)}:\n    group: g${i % 10}\n    materials:\n      src: {git: /nonexistent/bench-${i}, branch: main, auto_update: false}\n`;
    yaml += `    stages:\n      - build: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}\n      - test: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}\n`;
  }
  return yaml;
}

export function seed(file: string, pipelines: number, runsEach: number): void {
  const db = new DatabaseSync(file);
  db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; BEGIN");
  const now = Date.now();
  const pipeline = db.prepare(
    "INSERT INTO pipelines (name, paused, last_counter, updated_at) VALUES (?, 0, ?, ?)",
  );
  const run = db.prepare(
    "INSERT INTO pipeline_runs (pipeline, counter, label, trigger_kind, trigger_user, result, config_json, variables_json, created_at, completed_at) VALUES (?, ?, ?, 'material', 'changes', 'passed', '{}', '{}', ?, ?)",
  );
  const material = db.prepare(
    "INSERT INTO run_materials (run_id, material, type, fingerprint, revision, from_revision, description, changed, upstream_run_id) VALUES (?, 'src', 'git', ?, ?, ?, 'a commit', 1, NULL)",
  );
  const stage = db.prepare(
    "INSERT INTO stage_runs (run_id, pipeline, pipeline_counter, name, stage_index, counter, result, approval_type, scheduled_at, completed_at) VALUES (?, ?, ?, ?, ?, 1, 'passed', 'success', ?, ?)",
  );
  const job = db.prepare(
    "INSERT INTO job_runs (stage_run_id, run_id, name, state, result, resources_json, attempts, cancel_requested, scheduled_at, assigned_at, completed_at, console_bytes) VALUES (?, ?, 'j', 'completed', 'passed', '[]', 1, 0, ?, ?, ?, 0)",
  );
  const sha = (i: number, c: number): string =>
    (i.toString(16) + "x" + c.toString(16)).padEnd(40, "0").replace(/x/g, "f");
  for (let i = 0; i < pipelines; i++) {
    const name = pipelineName(i);
    pipeline.run(name, runsEach, now);
    for (let c = 1; c <= runsEach; c++) {
      const at = now - (runsEach - c) * 60_000;
      const runId = Number(run.run(name, c, String(c), at, at + 30_000).lastInsertRowid);
      material.run(runId, `/nonexistent/bench-${i}#main`, sha(i, c), sha(i, c));
      ["build", "test"].forEach((stageName, index) => {
        const stageId = Number(stage.run(runId, name, c, stageName, index, at, at + 10_000).lastInsertRowid);
        job.run(stageId, runId, at, at, at + 10_000);
      });
    }
  }
  db.exec("COMMIT");
  db.close();
}

/** A server (no agents) whose database holds `pipelines` × `runsEach` finished runs. */
export async function startSeededServer(
  scope: CleanupScope,
  options: { pipelines: number; runsEach: number },
): Promise<{ server: ServerProcess; seedMs: number }> {
  const pipelineDir = await writePipelineDir(scope, {
    "dashboard.gocd.yaml": pipelinesYaml(options.pipelines),
  });
  const first = await startServerProcess(scope, { pipelines: [pipelineDir] });
  await first.kill("SIGTERM");
  const seeded = nowMs();
  seed(`${first.dataDir}/fawkes.db`, options.pipelines, options.runsEach);
  const seedMs = nowMs() - seeded;
  const server = await startServerProcess(scope, { dataDir: first.dataDir, pipelines: [pipelineDir] });
  return { server, seedMs };
}

/** Times the dashboard API `samples` times (after one warm-up) on a seeded server. */
export async function dashboardApi(
  scope: CleanupScope,
  options: { pipelines: number; runsEach: number; samples: number },
): Promise<{ samples: number[]; seedMs: number }> {
  const { server, seedMs } = await startSeededServer(scope, options);
  const get = async (): Promise<number> => {
    const started = nowMs();
    const response = await fetch(`${server.url}/api/v1/pipelines`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    const body = (await response.json()) as { pipelines: unknown[] };
    if (body.pipelines.length !== options.pipelines)
      throw new Error(`dashboard listed ${body.pipelines.length} pipelines`);
    return nowMs() - started;
  };
  await get();
  const samples: number[] = [];
  for (let i = 0; i < options.samples; i++) samples.push(await get());
  await server.kill("SIGTERM");
  return { samples, seedMs };
}
