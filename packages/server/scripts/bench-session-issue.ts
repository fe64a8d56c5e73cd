/**
 * Micro-figure of issue 14: what issuing a job's role session adds to job start, on SQLite and PostgreSQL.
 * Per sample, the work the dispatch step and the assignment add for a job with a role — the role's lookup,
 * its trust decision, two seals and the insert in the step's transaction, then the session read and opened
 * for the job's environment — minus the same transaction without it. Prints JSON
 * `{"sqlite": [ms…], "postgres": [ms…]}` (PostgreSQL only when `initdb` is installed).
 * Run by bench/identity/session-issue.ts (`npm run bench`); alone: `node packages/server/scripts/bench-session-issue.ts`.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { RoleDefinition } from "@fawkes/cloud";
import { CleanupStack, startPostgres, tempDir } from "@fawkes/testing";
import { AccessKeys } from "../src/cloud/access-keys.ts";
import { trustsJob } from "../src/identity/job-roles.ts";
import { Sessions, type RoleDirectory } from "../src/identity/sessions.ts";
import { openDatabase } from "../src/store/db.ts";

const { values } = parseArgs({ options: { samples: { type: "string", default: "200" } } });
const samples = Number(values.samples);

const role: RoleDefinition = {
  arn: "arn:aws:iam::000000000000:role/fawkes-ci",
  name: "fawkes-ci",
  path: "/",
  roleId: "AROABENCHBENCHBENCH1",
  trustPolicy: {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::000000000000:oidc-provider/fawkes" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringLike: { "fawkes:sub": "pipeline:*" } },
      },
    ],
  },
  policies: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }],
  maxSessionDurationSeconds: 3600,
  tags: {},
};
const roles: RoleDirectory = { findRole: async () => role };

async function measure(target: string): Promise<number[]> {
  const dataKey = randomBytes(32);
  const database = await openDatabase(target, { dataKey });
  try {
    const sessions = new Sessions(database.db, dataKey, roles, new AccessKeys(database.db, dataKey).store);
    const touch = (db: Parameters<typeof sessions.latestJobSession>[0]) =>
      db.selectFrom("key_values").select("key").where("key", "=", "bench").execute();
    const added: number[] = [];
    for (let i = 0; i < samples + 20; i++) {
      const owner = {
        jobRunId: i + 1,
        leaseId: `lease-${i}`,
        agentId: "agent",
        agentName: "agent-1",
        pipeline: "app",
        counter: i + 1,
        stage: "publish",
        job: "upload",
      };
      const base = performance.now();
      await database.db.transaction().execute((trx) => touch(trx));
      const baseline = performance.now() - base;
      const start = performance.now();
      await database.db.transaction().execute(async (trx) => {
        await touch(trx);
        const found = await roles.findRole("fawkes-ci", trx);
        if (!found || !trustsJob(found, { ...owner, agent: owner.agentName }, Date.now()))
          throw new Error("the bench role must trust the job");
        await sessions.issueForJob(trx, found, owner, 3600);
      });
      const session = await sessions.latestJobSession(database.db, owner.jobRunId, owner.leaseId);
      if (!session) throw new Error("no session issued");
      const withSession = performance.now() - start;
      if (i >= 20) added.push(Math.max(0, withSession - baseline));
    }
    return added;
  } finally {
    await database.close();
  }
}

const scope = new CleanupStack();
try {
  const dir = await tempDir(scope, "fawkes-bench-sessions-");
  const result: Record<string, number[]> = { sqlite: await measure(path.join(dir, "fawkes.db")) };
  if (existsSync("/usr/lib/postgresql") || process.env.FAWKES_PG_BIN !== undefined) {
    const postgres = await startPostgres(scope);
    result.postgres = await measure(await postgres.createDatabase());
  }
  process.stdout.write(JSON.stringify(result) + "\n");
} finally {
  await scope.close();
}
