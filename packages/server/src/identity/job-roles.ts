/**
 * Who gets what: a job's role (its own `role:`, else its agent's) and whether the role's trust policy allows the
 * job or the agent to assume it (docs/identity.md, "Principals and how a trust policy names them"):
 * - a job's own role trusts the job's subject `pipeline:P:stage:S:job:J` through Fawkes's federated principal
 *   (`arn:aws:iam::000000000000:oidc-provider/fawkes`, action `sts:AssumeRoleWithWebIdentity`, condition keys
 *   `fawkes:sub`, `fawkes:pipeline`, `fawkes:stage`, `fawkes:job`, `fawkes:agent`);
 * - an agent's role trusts `ec2.amazonaws.com` (action `sts:AssumeRole`, condition key `fawkes:agent`).
 */
import { evaluate, parsePolicy, type Policy, type RoleDefinition } from "@fawkes/cloud";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { LOCAL_ACCOUNT } from "../cloud/access-keys.ts";
import { FAWKES_PROVIDER_ARN } from "./oidc/verifier.ts";
import { assertCanPassRole, type RolePasser } from "./roles.ts";
import { jobSubject } from "./oidc/job-claims.ts";

export { FAWKES_PROVIDER_ARN };
export const EC2_SERVICE = "ec2.amazonaws.com";

// A job's subject (the `sub` of its ID token) is also what its role's trust policy matches.
export { jobSubject };

function trustOf(role: RoleDefinition): Policy {
  return parsePolicy(role.trustPolicy, { kind: "trust" }).policy ?? { version: "2012-10-17", statements: [] };
}

export interface JobIdentity {
  pipeline: string;
  counter: number;
  stage: string;
  job: string;
  agent: string;
}

/** Whether `role` trusts the job through Fawkes's federated principal. */
export function trustsJob(role: RoleDefinition, job: JobIdentity, now: number): boolean {
  return (
    evaluate(
      {
        principal: { type: "FederatedUser", arn: FAWKES_PROVIDER_ARN, account: LOCAL_ACCOUNT },
        action: "sts:AssumeRoleWithWebIdentity",
        resource: role.arn,
        context: {
          "fawkes:sub": jobSubject(job.pipeline, job.stage, job.job),
          "fawkes:pipeline": job.pipeline,
          "fawkes:counter": String(job.counter),
          "fawkes:stage": job.stage,
          "fawkes:job": job.job,
          "fawkes:agent": job.agent,
        },
      },
      { identityPolicies: [], resourcePolicy: trustOf(role), now: new Date(now) },
    ).decision === "Allow"
  );
}

/** Whether `role` trusts an agent (the EC2 service principal, as an instance profile's role does). */
export function trustsAgent(role: RoleDefinition, agentName: string, now: number): boolean {
  return (
    evaluate(
      {
        principal: { type: "Service", arn: EC2_SERVICE },
        action: "sts:AssumeRole",
        resource: role.arn,
        context: { "fawkes:agent": agentName },
      },
      { identityPolicies: [], resourcePolicy: trustOf(role), now: new Date(now) },
    ).decision === "Allow"
  );
}

/**
 * Refuses to give `role` to agent `agentName` unless its trust policy allows the agent and `caller` may pass it
 * (`iam:PassRole`, roles.ts `assertCanPassRole`: a REST user may, until users and RBAC land; an agent may not).
 */
export function checkAgentRole(
  role: RoleDefinition,
  agentName: string,
  caller: RolePasser,
  now: number,
): void {
  if (!trustsAgent(role, agentName, now))
    throw new FawkesError(
      ErrorCode.roleNotTrusted,
      `role ${role.name}'s trust policy does not allow ${EC2_SERVICE} to assume it for agent ${agentName}: add a statement with "Principal": {"Service": "${EC2_SERVICE}"} and "Action": "sts:AssumeRole"`,
    );
  assertCanPassRole(caller, role.arn, EC2_SERVICE);
}
