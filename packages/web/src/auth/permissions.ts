/**
 * What the logged-in user may do (`GET /api/v1/me`), so the UI shows only the buttons that would work: a viewer
 * sees no trigger, pause, approve, cancel or rerun; only an administrator sees agent management. The server
 * enforces the same rules on every route; hiding is a courtesy, not the defence.
 */
import { ApiRoutes, permits, type MeDto, type Permission } from "@fawkes/protocol";
import { createContext, useContext } from "react";
import { getJson } from "../api/http.ts";

export function fetchMe(): Promise<MeDto> {
  return getJson<MeDto>(ApiRoutes.me);
}

/** The caller's permissions; null until known (nothing that needs more than view is shown meanwhile). */
export const PermissionsContext = createContext<MeDto | null>(null);

function holds(me: MeDto | null, needed: Permission, pipeline?: string): boolean {
  if (me === null) return false;
  const held = pipeline === undefined ? me.global : (me.pipelines[pipeline] ?? me.global);
  return permits(held, needed);
}

/** Whether the user may trigger, pause, approve, cancel and rerun `pipeline`. */
export function useCanOperate(pipeline: string): boolean {
  return holds(useContext(PermissionsContext), "operate", pipeline);
}

/** Whether the user holds operate globally (create and delete stacks, terminate instances). */
export function useCanOperateGlobally(): boolean {
  return holds(useContext(PermissionsContext), "operate");
}

/** Whether the user administers the server (agents, keys, users). */
export function useIsAdmin(): boolean {
  return holds(useContext(PermissionsContext), "admin");
}

/** The logged-in user's name, when known. */
export function useUserName(): string | undefined {
  return useContext(PermissionsContext)?.user;
}

/** What `GET /api/v1/me` answered; null until it has. */
export function useMe(): MeDto | null {
  return useContext(PermissionsContext);
}
