/**
 * A REST user as a stack's caller. Stacks act with the caller's rights (stacks/providers.ts): a user of the
 * REST API and the web UI has no access key, so their Fawkes role is mapped onto an IAM policy and every
 * resource action (and `iam:PassRole`) is decided by the same evaluator as a key's. An administrator may do
 * everything, as on the IAM routes; an operator may make and delete buckets, network records and instances
 * (`cloudformation:*`, `s3:*`, `ec2:*`) but no IAM action — no role, policy or instance profile, and no role
 * passed to an instance — because IAM over REST is an administrator's (docs/security.md).
 */
import { decideForKey, type AccessKey } from "@fawkes/cloud";
import { ErrorCode, FawkesError, type Permission, type PolicyDocument } from "@fawkes/protocol";
import { LOCAL_ACCOUNT } from "../cloud/access-keys.ts";
import { globalPermission, type Principal } from "../identity/users/principal.ts";
import type { AuditOrigin } from "../services/audit.ts";
import type { StackCaller } from "../stacks/providers.ts";

/** What each global permission may do through a stack (view: nothing; the routes need operate anyway). */
export const STACK_POLICIES: Readonly<Record<Permission, PolicyDocument>> = Object.freeze({
  view: { Version: "2012-10-17", Statement: [] },
  operate: {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["cloudformation:*", "s3:*", "ec2:*"], Resource: "*" }],
  },
  admin: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
});

/**
 * The caller of a stack operation a REST user asked for: audited as the user (`origin`), deciding with the
 * policy of their global permission (a pipeline group's grant does not count: stacks belong to no pipeline).
 */
export function restStackCaller(principal: Principal, origin: AuditOrigin): StackCaller {
  const permission = globalPermission(principal);
  // Never signs anything: it carries the user's policy to the evaluator (and names them in a refusal).
  const key: AccessKey = {
    accessKeyId: "",
    secretAccessKey: "",
    principalArn: `arn:aws:iam::${LOCAL_ACCOUNT}:user/${principal.name}`,
    policies: [STACK_POLICIES[permission]],
  };
  return {
    origin,
    passer: key,
    authorize(action, resource) {
      if (decideForKey(key, { action, resource }).decision === "Allow") return;
      throw new FawkesError(
        ErrorCode.forbidden,
        `User: ${key.principalArn} is not authorized to perform: ${action} on resource: ${resource} ` +
          `(a Fawkes ${permission === "operate" ? "operator" : "viewer"}'s stacks may not; an administrator's may)`,
      );
    },
  };
}
