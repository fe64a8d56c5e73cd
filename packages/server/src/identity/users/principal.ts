/**
 * Who a user request acts as, and what it may do. GoCD's model: a global role, plus roles per pipeline group
 * that can only add to it; the permission on a pipeline is the higher of the two. Pipelines without a `group:`
 * are in `defaultGroup` (core config). Every user may view.
 */
import {
  higherPermission,
  permissionOfRole,
  permits,
  type Permission,
  type UserRole,
} from "@fawkes/protocol";
import type { Executor } from "../../store/executor.ts";
import { findUserById, groupRolesOf, type UserRecord } from "../../store/users-repo.ts";

export interface Principal {
  /** The user record; null for the bootstrap administrator (`<data-dir>/keys/api-token`). */
  userId: number | null;
  name: string;
  role: UserRole;
  /** Group name → role granted there. */
  groups: Readonly<Record<string, UserRole>>;
}

/** The holder of the API token file: whoever reads the data directory is its operator already. */
export const BOOTSTRAP_ADMIN: Principal = Object.freeze({
  userId: null,
  name: "admin",
  role: "admin",
  groups: Object.freeze({}),
});

/** The principal of an enabled user, with their grants; undefined for a disabled or deleted one. */
export async function principalOfUser(db: Executor, userId: number): Promise<Principal | undefined> {
  const user = await findUserById(db, userId);
  return user && !user.disabled ? principalOf(user, await groupRolesOf(db, user.id)) : undefined;
}

export function principalOf(user: UserRecord, groups: Record<string, UserRole>): Principal {
  return { userId: user.id, name: user.name, role: user.role, groups };
}

/** The permission held globally (config, agents, keys, users need it). */
export function globalPermission(principal: Principal): Permission {
  return permissionOfRole[principal.role];
}

/** The permission held on a pipeline group: the higher of the global role and the group's grant. */
export function groupPermission(principal: Principal, group: string): Permission {
  const granted = principal.groups[group];
  const global = globalPermission(principal);
  return granted === undefined ? global : higherPermission(global, permissionOfRole[granted]);
}

/** Whether the principal holds `needed` globally, or on `group` when given. */
export function allows(principal: Principal, needed: Permission, group?: string): boolean {
  return permits(
    group === undefined ? globalPermission(principal) : groupPermission(principal, group),
    needed,
  );
}
