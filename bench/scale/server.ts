/**
 * A server on a store full of history: started once on the empty store (it runs its migrations and loads the
 * 2,000 pipelines), stopped, seeded (seed.ts), started again on the same data dir and store, and checked to
 * list every pipeline before anything is measured.
 */
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { ApiRoutes, type PipelineListDto } from "@fawkes/protocol";
import {
  createGitRepo,
  startServerProcess,
  waitFor,
  writePipelineDir,
  type CleanupScope,
  type Postgres,
  type ServerProcess,
} from "@fawkes/testing";
import { processTreeCpuMs } from "../lib/proc.ts";
import { nowMs } from "../lib/stats.ts";
import { scalePipelinesYaml } from "./pipelines.ts";
import { seedPostgres, seedSqlite } from "./seed.ts";

export interface ScaleServer {
  server: ServerProcess;
  pid: number;
  seedMs: number;
  /** CPU ms so far of PostgreSQL's postmaster and its children; undefined on SQLite. */
  storeCpuMs?: () => number;
}

export async function startScaleServer(
  scope: CleanupScope,
  options: {
    pipelines: number;
    runsEach: number;
    postgres?: Postgres;
    /** Extra environment of the measured (second) server process, e.g. NODE_OPTIONS for a CPU profile. */
    env?: Record<string, string>;
  },
): Promise<ScaleServer> {
  const { postgres } = options;
  const repo = await createGitRepo(scope, { "README.md": "scale\n" });
  const pipelineDir = await writePipelineDir(scope, {
    "scale.gocd.yaml": scalePipelinesYaml({ count: options.pipelines, repo: repo.path }),
  });
  const database = postgres === undefined ? "sqlite" : await postgres.createDatabase();
  const server = await startServerProcess(scope, {
    pipelines: [pipelineDir],
    database,
    env: { FAWKES_LOG_LEVEL: "warn" },
    startTimeoutMs: 120_000,
  });
  await waitForPipelines(server, options.pipelines);
  await server.kill("SIGTERM");

  const sqliteFile = path.join(server.dataDir, "fawkes.db");
  const fingerprint =
    (postgres === undefined ? sqliteFingerprint(sqliteFile) : postgresFingerprint(database)) ??
    `${repo.path}#main#0000000000000000`;
  const seedOptions = { pipelines: options.pipelines, runsEach: options.runsEach, fingerprint };
  const seeding = nowMs();
  if (postgres === undefined) seedSqlite(sqliteFile, seedOptions);
  else await seedPostgres(database, seedOptions);
  const seedMs = nowMs() - seeding;

  await server.restart({ FAWKES_LOG_LEVEL: "warn", ...options.env });
  await waitForPipelines(server, options.pipelines);
  const result: ScaleServer = { server, pid: server.process.child.pid as number, seedMs };
  if (postgres !== undefined) {
    const postmaster = Number(
      (await readFile(path.join(postgres.dataDir, "postmaster.pid"), "utf8")).split("\n")[0],
    );
    result.storeCpuMs = () => processTreeCpuMs(postmaster);
  }
  return result;
}

/** The dashboard API lists every configured pipeline (the config is parsed in the background at start). */
async function waitForPipelines(server: ServerProcess, count: number): Promise<void> {
  await waitFor(
    async () => {
      const list = await server.api.get<PipelineListDto>(ApiRoutes.pipelines);
      return list.pipelines.length === count;
    },
    { timeoutMs: 180_000, intervalMs: 500, message: `the server to list ${count} pipelines` },
  );
}

function sqliteFingerprint(file: string): string | undefined {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const row = db.prepare("SELECT fingerprint FROM materials LIMIT 1").get() as
      { fingerprint: string } | undefined;
    return row?.fingerprint;
  } finally {
    db.close();
  }
}

function postgresFingerprint(url: string): string | undefined {
  const out = execFileSync(
    "psql",
    [
      "--no-psqlrc",
      "--tuples-only",
      "--no-align",
      "--dbname",
      url,
      "-c",
      "SELECT fingerprint FROM materials LIMIT 1",
    ],
    { encoding: "utf8" },
  ).trim();
  return out === "" ? undefined : out;
}
