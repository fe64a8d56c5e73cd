import { ApiRoutes, type AttachedPolicyListDto, type RoleListDto } from "@fawkes/protocol";
import { useEffect, useState } from "react";
import { getJson } from "../api/http.ts";
import { iamPaths } from "../api/iam.ts";

/** The names of the roles a managed policy is attached to (each role's attached list, read in parallel). */
export function useRolesAttaching(
  policyArn: string,
  generation: number,
): {
  roles: string[] | undefined;
  error: unknown;
} {
  const [state, setState] = useState<{ roles: string[] | undefined; error: unknown }>({
    roles: undefined,
    error: undefined,
  });
  useEffect(() => {
    const controller = new AbortController();
    const attaching = async (): Promise<string[]> => {
      const { roles } = await getJson<RoleListDto>(ApiRoutes.roles, controller.signal);
      const lists = await Promise.all(
        roles.map((role) =>
          getJson<AttachedPolicyListDto>(iamPaths.roleAttached(role.name), controller.signal),
        ),
      );
      return roles
        .filter((_, index) => lists[index]!.attachedPolicies.some((policy) => policy.arn === policyArn))
        .map((role) => role.name);
    };
    attaching().then(
      (roles) => setState({ roles, error: undefined }),
      (error: unknown) => controller.signal.aborted || setState({ roles: undefined, error }),
    );
    return () => controller.abort();
  }, [policyArn, generation]);
  return state;
}
