/**
 * `fawkes up`'s `fawkes-ci` role, created once per data directory: trusted by its local agents (the EC2 service
 * principal, as the workshop's CI instance profile) and by every pipeline (Fawkes's federated principal),
 * allowed `s3:*` on the cloud endpoint's buckets (the artifact repository), so the bundled example and the
 * workshop publish with no configuration. Deleting or changing it later is the operator's choice: it is never
 * made again.
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/schema.ts";
import { EC2_SERVICE, FAWKES_PROVIDER_ARN } from "./job-roles.ts";
import type { RoleDirectory } from "./sessions.ts";

export const CI_ROLE = "fawkes-ci";
const CI_ROLE_MARKER = "identity.ci-role";

export const CI_ROLE_TRUST = Object.freeze({
  Version: "2012-10-17",
  Statement: [
    { Sid: "LocalAgents", Effect: "Allow", Principal: { Service: EC2_SERVICE }, Action: "sts:AssumeRole" },
    {
      Sid: "EveryPipeline",
      Effect: "Allow",
      Principal: { Federated: FAWKES_PROVIDER_ARN },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringLike: { "fawkes:sub": "pipeline:*" } },
    },
  ],
});

export const CI_ROLE_POLICY = Object.freeze({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ArtifactRepository",
      Effect: "Allow",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::*", "arn:aws:s3:::*/*"],
    },
  ],
});

/**
 * Creates `fawkes-ci` on the data directory's first start with a roles store; returns its name while it exists,
 * undefined when the server has no roles store or the operator deleted it.
 */
export async function ensureCiRole(db: Kysely<Database>, roles: RoleDirectory): Promise<string | undefined> {
  if (roles.createRole === undefined) return undefined;
  const marker = await db
    .selectFrom("key_values")
    .select("value")
    .where("key", "=", CI_ROLE_MARKER)
    .executeTakeFirst();
  if (marker === undefined) {
    if ((await roles.findRole(CI_ROLE)) === undefined)
      await roles.createRole({
        name: CI_ROLE,
        description: "fawkes up: the local agents' role (the artifact repository's buckets)",
        trustPolicy: CI_ROLE_TRUST,
        policyName: "artifact-repository",
        policy: CI_ROLE_POLICY,
      });
    await db.insertInto("key_values").values({ key: CI_ROLE_MARKER, value: CI_ROLE }).execute();
  }
  return (await roles.findRole(CI_ROLE)) === undefined ? undefined : CI_ROLE;
}
