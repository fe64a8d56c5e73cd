import { randomBytes } from "node:crypto";
import assert from "node:assert/strict";
import { sql, type Kysely } from "kysely";
import type { Database } from "../../src/store/schema.ts";
import { openStore, testOnEachBackend } from "./backends.ts";

/**
 * The columns of every table in schema.ts, listed by hand. `satisfies` makes the compiler reject a table
 * missing here; the test below rejects a column missing or extra in migration 001.
 */
const expected = {
  pipelines: [
    "name",
    "paused",
    "pause_reason",
    "paused_by",
    "locked_by_counter",
    "last_counter",
    "updated_at",
  ],
  pipeline_runs: [
    "id",
    "pipeline",
    "counter",
    "label",
    "trigger_kind",
    "trigger_user",
    "result",
    "config_json",
    "variables_json",
    "awaiting_stage",
    "created_at",
    "completed_at",
  ],
  run_materials: [
    "id",
    "run_id",
    "material",
    "type",
    "fingerprint",
    "revision",
    "from_revision",
    "description",
    "changed",
    "upstream_run_id",
  ],
  stage_runs: [
    "id",
    "run_id",
    "pipeline",
    "pipeline_counter",
    "name",
    "stage_index",
    "counter",
    "result",
    "approval_type",
    "approved_by",
    "rerun_of_counter",
    "scheduled_at",
    "completed_at",
  ],
  job_runs: [
    "id",
    "stage_run_id",
    "run_id",
    "name",
    "state",
    "result",
    "resources_json",
    "agent_id",
    "lease_id",
    "attempts",
    "cancel_requested",
    "waiting_reason",
    "scheduled_at",
    "assigned_at",
    "completed_at",
    "console_bytes",
  ],
  agents: [
    "id",
    "name",
    "hostname",
    "token_hash",
    "config_state",
    "resources_json",
    "environments_json",
    "registered_at",
    "last_heartbeat_at",
    "current_job_run_id",
    "deleted",
    "role",
    "previous_token_hash",
    "previous_token_until",
  ],
  materials: ["fingerprint", "type", "url", "branch", "last_revision", "last_checked_at", "last_error"],
  artifacts: ["id", "job_run_id", "path", "size", "sha256", "created_at"],
  key_values: ["key", "value"],
  access_keys: [
    "access_key_id",
    "name",
    "principal_arn",
    "secret_encrypted",
    "secret_hash",
    "policy_json",
    "created_at",
    "expires_at",
    "session_token_hash",
    "job_run_id",
    "lease_id",
    "deleted",
  ],
  external_artifacts: [
    "id",
    "job_run_id",
    "artifact_id",
    "store_id",
    "bucket",
    "object_key",
    "path",
    "size",
    "sha256",
    "created_at",
  ],
  sessions: ["id_hash", "created_at", "expires_at", "user_id"],
  lifecycle_outbox: ["id", "kind", "pipeline", "stage_run_id", "created_at"],
  sts_sessions: [
    "access_key_id",
    "secret_encrypted",
    "session_token_encrypted",
    "session_token_hash",
    "kind",
    "role_arn",
    "role_name",
    "session_name",
    "principal_arn",
    "user_id",
    "source_access_key_id",
    "session_policies_json",
    "tags_json",
    "source_identity",
    "assumed_by",
    "owner_kind",
    "job_run_id",
    "lease_id",
    "agent_id",
    "issued_at",
    "expires_at",
    "revoked_at",
  ],
  roles: [
    "role_id",
    "name",
    "name_key",
    "path",
    "arn",
    "trust_policy_json",
    "description",
    "max_session_duration",
    "permissions_boundary_arn",
    "tags_json",
    "created_at",
  ],
  role_policies: ["role_id", "name", "document_json"],
  managed_policies: [
    "policy_id",
    "name",
    "name_key",
    "path",
    "arn",
    "description",
    "created_at",
    "default_version",
    "next_version",
    "tags_json",
    "updated_at",
  ],
  managed_policy_versions: ["policy_id", "version_number", "document_json", "created_at"],
  role_policy_attachments: ["role_id", "policy_id"],
  instance_profiles: [
    "instance_profile_id",
    "name",
    "name_key",
    "path",
    "arn",
    "tags_json",
    "role_id",
    "created_at",
  ],
  oidc_keys: [
    "kid",
    "algorithm",
    "public_jwk",
    "private_key_sealed",
    "created_at",
    "signs_until",
    "retire_after",
  ],
  audit_log: ["id", "at", "actor_kind", "actor_name", "action", "target", "details_json", "source_ip"],
  users: ["id", "name", "password_hash", "role", "disabled", "created_at"],
  user_group_roles: ["user_id", "group_name", "role"],
  api_tokens: ["id", "user_id", "name", "token_hash", "created_at", "expires_at", "last_used_at"],
  stacks: [
    "stack_id",
    "name",
    "status",
    "status_reason",
    "description",
    "template_sealed",
    "parameters_sealed",
    "no_echo_json",
    "previous_template_sealed",
    "previous_parameters_sealed",
    "capabilities_json",
    "tags_json",
    "outputs_json",
    "disable_rollback",
    "created_by",
    "created_at",
    "updated_at",
    "deleted_at",
  ],
  stack_resources: [
    "id",
    "stack_id",
    "logical_id",
    "physical_id",
    "type",
    "status",
    "status_reason",
    "properties_sealed",
    "attributes_json",
    "deletion_policy",
    "updated_at",
  ],
  stack_events: [
    "id",
    "event_id",
    "stack_id",
    "stack_name",
    "logical_id",
    "physical_id",
    "type",
    "status",
    "status_reason",
    "at",
  ],
  instances: [
    "instance_id",
    "state",
    "state_reason",
    "private_ip",
    "public_ip",
    "hostname",
    "image_id",
    "instance_type",
    "key_name",
    "subnet_id",
    "security_group_ids_json",
    "instance_profile_arn",
    "role_arn",
    "stack_id",
    "logical_id",
    "tags_json",
    "user_data_sealed",
    "launched_at",
    "terminated_at",
  ],
  addresses: [
    "allocation_id",
    "public_ip",
    "domain",
    "association_id",
    "instance_id",
    "private_ip",
    "stack_id",
    "logical_id",
    "tags_json",
    "created_at",
  ],
  stack_signals: ["id", "stack_id", "logical_id", "unique_id", "status", "reason", "data", "at"],
} satisfies { [T in keyof Database]: (keyof Database[T] & string)[] };

// Compile-time check the other way: every column of each schema.ts interface is listed above.
type Listed = typeof expected;
type MissingColumns = {
  [T in keyof Database]: Exclude<keyof Database[T], Listed[T][number]>;
}[keyof Database];
const noneMissing: [MissingColumns] extends [never] ? true : false = true;

testOnEachBackend("the migrations create exactly the tables and columns of schema.ts", async (t, backend) => {
  assert.equal(noneMissing, true);
  const { db } = await openStore(t, await backend.create(t), randomBytes(32));
  const tables = await db.introspection.getTables();
  const actual = Object.fromEntries(
    tables
      .filter((table) => !table.name.startsWith("fawkes_migrations"))
      .map((table) => [table.name, table.columns.map((column) => column.name).sort()]),
  );
  const wanted = Object.fromEntries(
    Object.entries(expected).map(([name, columns]) => [name, [...columns].sort()]),
  );
  assert.deepEqual(actual, wanted);
});

type IndexFlags = Record<string, { unique: number; partial: number }>;

/** Indexes made by CREATE INDEX (not the automatic ones behind primary keys): origin 'c' on SQLite. */
async function sqliteIndexes(db: Kysely<Database>): Promise<IndexFlags> {
  const { rows } = await sql<{ name: string; unique: number; partial: number }>`
    select il.name, il."unique", il.partial
    from sqlite_master m, pragma_index_list(m.name) il
    where m.type = 'table' and il.origin = 'c'`.execute(db);
  return Object.fromEntries(rows.map((row) => [row.name, { unique: row.unique, partial: row.partial }]));
}

/** PostgreSQL: every non-primary-key index of the schema, the migration table's excepted. */
async function postgresIndexes(db: Kysely<Database>): Promise<IndexFlags> {
  const { rows } = await sql<{ name: string; unique: boolean; partial: boolean }>`
    select c.relname as name, i.indisunique as "unique", i.indpred is not null as partial
    from pg_index i
    join pg_class c on c.oid = i.indexrelid
    join pg_class t on t.oid = i.indrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and not i.indisprimary and t.relname not like 'fawkes_migrations%'`.execute(
    db,
  );
  return Object.fromEntries(
    rows.map((row) => [row.name, { unique: Number(row.unique), partial: Number(row.partial) }]),
  );
}

testOnEachBackend("the schema's indexes exist", async (t, backend) => {
  const { db } = await openStore(t, await backend.create(t), randomBytes(32));
  const indexes = backend.name === "sqlite" ? await sqliteIndexes(db) : await postgresIndexes(db);
  assert.deepEqual(indexes, {
    pipeline_runs_pipeline_counter: { unique: 1, partial: 0 },
    run_materials_run_id: { unique: 0, partial: 0 },
    run_materials_fingerprint_revision: { unique: 0, partial: 0 },
    stage_runs_run_id_name_counter: { unique: 1, partial: 0 },
    job_runs_stage_run_id_name: { unique: 1, partial: 0 },
    job_runs_unfinished_state: { unique: 0, partial: 1 },
    job_runs_agent_id: { unique: 0, partial: 0 },
    agents_live_name: { unique: 1, partial: 1 },
    artifacts_job_run_id_path: { unique: 1, partial: 0 },
    stage_runs_pipeline_name_result: { unique: 0, partial: 0 },
    agents_token_hash: { unique: 0, partial: 0 },
    agents_previous_token_hash: { unique: 0, partial: 0 },
    run_materials_upstream_run_id: { unique: 0, partial: 0 },
    access_keys_job_run_id: { unique: 0, partial: 0 },
    external_artifacts_job_artifact_path: { unique: 1, partial: 0 },
    sts_sessions_job_run_id: { unique: 0, partial: 0 },
    sts_sessions_role_arn: { unique: 0, partial: 0 },
    sts_sessions_expires_at: { unique: 0, partial: 0 },
    roles_name_key: { unique: 1, partial: 0 },
    managed_policies_name_key: { unique: 1, partial: 0 },
    managed_policies_arn: { unique: 1, partial: 0 },
    instance_profiles_name_key: { unique: 1, partial: 0 },
    instance_profiles_role: { unique: 0, partial: 0 },
    role_policy_attachments_policy: { unique: 0, partial: 0 },
    audit_log_at: { unique: 0, partial: 0 },
    audit_log_action: { unique: 0, partial: 0 },
    audit_log_actor: { unique: 0, partial: 0 },
    audit_log_target: { unique: 0, partial: 0 },
    users_name: { unique: 1, partial: 0 },
    api_tokens_token_hash: { unique: 1, partial: 0 },
    api_tokens_user_id: { unique: 0, partial: 0 },
    stacks_live_name: { unique: 1, partial: 1 },
    stack_resources_stack: { unique: 0, partial: 0 },
    stack_events_stack: { unique: 0, partial: 0 },
    instances_live_address: { unique: 1, partial: 1 },
    instances_stack: { unique: 0, partial: 0 },
    addresses_public_ip: { unique: 1, partial: 0 },
    addresses_instance: { unique: 0, partial: 0 },
    stack_signals_unique: { unique: 1, partial: 0 },
  });
});
