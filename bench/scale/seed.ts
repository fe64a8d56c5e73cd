/**
 * Historical runs written straight into a store the server migrated (and then stopped): `runsEach` finished
 * runs for every pipeline, each with the pipeline's two stages of one job, so job runs = pipelines × runsEach × 2.
 * Ids are explicit and every row satisfies the schema's constraints (not-null columns, 0/1 booleans, unique
 * (pipeline, counter), (run, stage, counter) and (stage run, job name)), and `pipelines.last_counter` follows
 * the history, so the server triggers counter runsEach + 1 next. One run in ten failed in `test`.
 *
 * SQLite: prepared inserts in one transaction. PostgreSQL: `COPY … FROM STDIN` through psql, then the identity
 * sequences moved past the explicit ids and ANALYZE (what autovacuum does shortly after a bulk load anyway).
 */
import { spawn } from "node:child_process";
import { DatabaseSync } from "node:sqlite";
import { JOB, pipelineName, STAGES } from "./pipelines.ts";

export interface SeedOptions {
  pipelines: number;
  runsEach: number;
  /** The git material's fingerprint as the server wrote it (materials table), so history joins the material. */
  fingerprint: string;
}

type Cell = string | number | null;

/** One table's rows, generated lazily (1,000,000 job runs are never held in memory at once). */
interface TableRows {
  table: string;
  columns: readonly string[];
  rows: () => Iterable<Cell[]>;
}

const HOUR_MS = 3_600_000;

const sha = (pipeline: number, counter: number): string =>
  `${pipeline.toString(16).padStart(8, "0")}${counter.toString(16).padStart(8, "0")}`.padEnd(40, "a");

/**
 * The history as rows, ids derived from (pipeline, counter) so each table can be generated on its own: run id
 * = pipeline × runsEach + counter, stage run id = 2 × (run id − 1) + stage index + 1, job run id = stage run id.
 */
function historyTables(options: SeedOptions, now: number): TableRows[] {
  const { pipelines, runsEach, fingerprint } = options;
  const runs = function* (): Generator<{ pipeline: number; counter: number; runId: number; at: number }> {
    for (let pipeline = 0; pipeline < pipelines; pipeline++) {
      for (let counter = 1; counter <= runsEach; counter++) {
        const at = now - (runsEach - counter + 1) * HOUR_MS - pipeline * 1000;
        yield { pipeline, counter, runId: pipeline * runsEach + counter, at };
      }
    }
  };
  const failed = (counter: number) => counter % 10 === 0;
  return [
    {
      table: "pipeline_runs",
      columns: [
        "id",
        "pipeline",
        "counter",
        "label",
        "trigger_kind",
        "trigger_user",
        "result",
        "config_json",
        "variables_json",
        "created_at",
        "completed_at",
      ],
      *rows() {
        for (const { pipeline, counter, runId, at } of runs()) {
          const result = failed(counter) ? "failed" : "passed";
          yield [
            runId,
            pipelineName(pipeline),
            counter,
            String(counter),
            "material",
            "changes",
            result,
            "{}",
            "{}",
            at,
            at + 20_000,
          ];
        }
      },
    },
    {
      table: "run_materials",
      columns: [
        "id",
        "run_id",
        "material",
        "type",
        "fingerprint",
        "revision",
        "from_revision",
        "description",
        "changed",
      ],
      *rows() {
        for (const { pipeline, counter, runId } of runs()) {
          const revision = sha(pipeline, counter);
          yield [runId, runId, "src", "git", fingerprint, revision, revision, "a commit", 1];
        }
      },
    },
    {
      table: "stage_runs",
      columns: [
        "id",
        "run_id",
        "pipeline",
        "pipeline_counter",
        "name",
        "stage_index",
        "counter",
        "result",
        "approval_type",
        "scheduled_at",
        "completed_at",
      ],
      *rows() {
        for (const { pipeline, counter, runId, at } of runs()) {
          for (const [index, name] of STAGES.entries()) {
            const result = failed(counter) && index === STAGES.length - 1 ? "failed" : "passed";
            const start = at + index * 10_000;
            yield [
              2 * (runId - 1) + index + 1,
              runId,
              pipelineName(pipeline),
              counter,
              name,
              index,
              1,
              result,
              "success",
              start,
              start + 10_000,
            ];
          }
        }
      },
    },
    {
      table: "job_runs",
      columns: [
        "id",
        "stage_run_id",
        "run_id",
        "name",
        "state",
        "result",
        "resources_json",
        "attempts",
        "cancel_requested",
        "scheduled_at",
        "assigned_at",
        "completed_at",
        "console_bytes",
      ],
      *rows() {
        for (const { counter, runId, at } of runs()) {
          for (const index of STAGES.keys()) {
            const result = failed(counter) && index === STAGES.length - 1 ? "failed" : "passed";
            const start = at + index * 10_000;
            const id = 2 * (runId - 1) + index + 1;
            yield [
              id,
              id,
              runId,
              JOB,
              "completed",
              result,
              "[]",
              1,
              0,
              start,
              start + 5,
              start + 10_000,
              120,
            ];
          }
        }
      },
    },
  ];
}

/** `pipelines` rows (the server may have made some at its first start: an upsert). */
function pipelinesUpsert(options: SeedOptions, now: number): string {
  const values = [];
  for (let index = 0; index < options.pipelines; index++)
    values.push(`('${pipelineName(index)}', 0, ${options.runsEach}, ${now})`);
  return `INSERT INTO pipelines (name, paused, last_counter, updated_at) VALUES ${values.join(", ")}
    ON CONFLICT (name) DO UPDATE SET last_counter = excluded.last_counter, updated_at = excluded.updated_at`;
}

export function seedSqlite(file: string, options: SeedOptions): void {
  const db = new DatabaseSync(file);
  const now = Date.now();
  try {
    db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; BEGIN");
    db.exec(pipelinesUpsert(options, now));
    for (const { table, columns, rows } of historyTables(options, now)) {
      const insert = db.prepare(
        `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
      );
      for (const row of rows()) insert.run(...row);
    }
    db.exec("COMMIT");
  } finally {
    db.close();
  }
}

/** COPY's text format: tab-separated, `\N` for null (no value here contains a tab, newline or backslash). */
const copyLine = (row: Cell[]): string =>
  `${row.map((cell) => (cell === null ? "\\N" : String(cell))).join("\t")}\n`;

export async function seedPostgres(url: string, options: SeedOptions): Promise<void> {
  const now = Date.now();
  await psql(url, ["-c", pipelinesUpsert(options, now)]);
  for (const { table, columns, rows } of historyTables(options, now)) {
    await psql(url, ["-c", `\\copy ${table} (${columns.join(", ")}) from pstdin`], async (stdin) => {
      let chunk = "";
      for (const row of rows()) {
        chunk += copyLine(row);
        if (chunk.length >= 1 << 20) {
          if (!stdin.write(chunk)) await new Promise((resolve) => stdin.once("drain", resolve));
          chunk = "";
        }
      }
      stdin.end(chunk);
    });
  }
  const sequences = historyTables(options, now).map(
    ({ table }) => `SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}));`,
  );
  await psql(url, ["-c", `${sequences.join(" ")} ANALYZE;`]);
}

/** Runs psql on `url` (stops at the first error), feeding its stdin with `feed` when given. */
function psql(
  url: string,
  args: string[],
  feed?: (stdin: NodeJS.WritableStream) => Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "psql",
      ["--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", "--dbname", url, ...args],
      {
        stdio: ["pipe", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`psql ${args.join(" ").slice(0, 120)}… exited ${code}: ${stderr}`)),
    );
    if (feed === undefined) child.stdin.end();
    else feed(child.stdin).catch(reject);
  });
}
