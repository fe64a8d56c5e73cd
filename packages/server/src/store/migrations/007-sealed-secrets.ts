/**
 * Migration 007: secrets at rest. Databases written before it hold, in clear, the values of secure variables,
 * webhook secrets and credentialed git URLs in run config snapshots, trigger-time variable values, and git
 * URLs (with their credentials) in the materials table and in every git fingerprint. This seals the snapshot
 * secrets and trigger values (sealed-values.ts), stores material URLs redacted, and rewrites git fingerprints
 * into their keyed form (engine/fingerprints.ts), all in the migration's one transaction.
 *
 * Writes go through raw SQL on purpose: the sealing plugin would seal a second time what this already sealed.
 * `secure_delete` makes SQLite zero the old cells instead of leaving the clear bytes in free space; the WAL
 * frames that held them are dropped by the checkpoint after migrating (db.ts).
 */
import { sql, type Kysely, type Migration } from "kysely";
import { materialFingerprints } from "../../engine/fingerprints.ts";
import { redactUrl } from "../../materials/redact.ts";
import { sealConfigJson, sealVariablesJson } from "../sealed-values.ts";
import type { SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function sealedSecretsMigration(dataKey: Buffer, dialect: SqlDialect): Migration {
  return {
    async up(db: AnyDb): Promise<void> {
      // PostgreSQL has no such switch; its old row versions go with vacuum (a database new to Fawkes on
      // PostgreSQL has no clear secrets to begin with).
      const sqlite = dialect === "sqlite";
      if (sqlite) await sql`pragma secure_delete = on`.execute(db);
      const runs = await sql<{ id: number; config_json: string; variables_json: string }>`
        select id, config_json, variables_json from pipeline_runs`.execute(db);
      for (const run of runs.rows) {
        const config = sealConfigJson(dataKey, run.config_json);
        const variables = sealVariablesJson(dataKey, run.variables_json);
        if (config === run.config_json && variables === run.variables_json) continue;
        await sql`update pipeline_runs set config_json = ${config}, variables_json = ${variables}
          where id = ${run.id}`.execute(db);
      }

      const fingerprints = materialFingerprints(dataKey);
      const renamed = new Map<string, string>();
      const materials = await sql<{ fingerprint: string; url: string; branch: string }>`
        select fingerprint, url, branch from materials where type = 'git'`.execute(db);
      for (const material of materials.rows) {
        const fingerprint = fingerprints.git(material);
        renamed.set(material.fingerprint, fingerprint);
        await sql`update materials set fingerprint = ${fingerprint}, url = ${redactUrl(material.url)}
          where fingerprint = ${material.fingerprint}`.execute(db);
      }
      const used = await sql<{ fingerprint: string }>`
        select distinct fingerprint from run_materials where type = 'git'`.execute(db);
      for (const { fingerprint: old } of used.rows) {
        // Before 007 a git fingerprint was `url#branch`; a branch name may hold `#`, so the materials table
        // (url and branch apart) decides first.
        const split = old.lastIndexOf("#");
        const fingerprint =
          renamed.get(old) ??
          (split < 0 ? null : fingerprints.git({ url: old.slice(0, split), branch: old.slice(split + 1) }));
        if (fingerprint === null) continue;
        await sql`update run_materials set fingerprint = ${fingerprint}
          where type = 'git' and fingerprint = ${old}`.execute(db);
      }
      if (sqlite) await sql`pragma secure_delete = off`.execute(db);
    },
  };
}
