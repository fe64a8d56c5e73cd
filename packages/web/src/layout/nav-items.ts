/**
 * The header's sections. Later issues (artifact buckets, stacks, phoenix instances) flip `available` and add
 * their route; the layout needs no other change.
 */
import type { Route } from "../router/routes.ts";

export interface NavItem {
  label: string;
  href: string;
  /** Pages that highlight this item. */
  pages: Route["page"][];
  available: boolean;
  /** Shown to administrators only (the server refuses the page's reads to anyone else). */
  adminOnly?: boolean;
}

export const navItems: NavItem[] = [
  { label: "Dashboard", href: "/", pages: ["dashboard", "pipeline", "run", "job"], available: true },
  { label: "Agents", href: "/agents", pages: ["agents"], available: true },
  { label: "Config health", href: "/config", pages: ["config"], available: true },
  { label: "Buckets", href: "/buckets", pages: ["buckets", "bucket"], available: true },
  {
    label: "Roles",
    href: "/roles",
    pages: ["roles", "role", "policies", "instance-profiles"],
    available: true,
  },
  { label: "Users", href: "/users", pages: ["users", "user"], available: true, adminOnly: true },
  { label: "Audit", href: "/audit", pages: ["audit"], available: true },
  { label: "Stacks", href: "/stacks", pages: ["stacks", "stack"], available: true },
  { label: "Instances", href: "/instances", pages: ["instances", "instance"], available: true },
];
