/**
 * The UI's pages and their paths. Matching is pure (tested under node:test); `href` builds the links, so a
 * path pattern is written only here.
 */

import { EMPTY_FILTER, filterFromSearch, searchOfFilter, type AuditFilter } from "../audit/audit-filter.ts";

export type Route =
  | { page: "dashboard" }
  | { page: "pipeline"; pipeline: string; pageNumber: number }
  | { page: "run"; pipeline: string; counter: number; tab: RunTab }
  | {
      page: "job";
      pipeline: string;
      counter: number;
      stage: string;
      /** A stage counter, or `latest` (the newest run of the stage; links from outside use it). */
      stageCounter: number | "latest";
      job: string;
      tab: JobTab;
    }
  | { page: "agents" }
  | { page: "config" }
  | { page: "buckets" }
  | {
      page: "bucket";
      bucket: string;
      /** The "folder" shown: a key prefix, "" for the bucket's top level. */
      prefix: string;
      /** The object whose details are open (keys travel in the query: they may hold anything). */
      key: string | undefined;
    }
  | { page: "roles" }
  | { page: "role"; role: string }
  | { page: "policies"; policy: string | undefined }
  | { page: "instance-profiles" }
  | { page: "stacks"; all: boolean }
  | {
      page: "stack";
      /** A live stack's name, or a stack id (a deleted stack's only handle). */
      stack: string;
      tab: StackTab;
    }
  | { page: "instances"; all: boolean }
  | { page: "instance"; instance: string }
  | { page: "users" }
  | { page: "user"; user: string }
  | { page: "account" }
  | { page: "audit"; filter: AuditFilter }
  | { page: "not-found"; path: string };

export type RunTab = "changes" | "vsm";
export type JobTab = "console" | "artifacts";
export const STACK_TABS = ["events", "parameters", "outputs", "resources", "template"] as const;
export type StackTab = (typeof STACK_TABS)[number];

function stackTabOf(search: URLSearchParams): StackTab {
  const tab = search.get("tab");
  return STACK_TABS.find((known) => known === tab) ?? "events";
}

/** Split a pathname into decoded segments; undefined when a segment is not valid percent-encoding. */
function segments(pathname: string): string[] | undefined {
  const parts = pathname.split("/").filter((part) => part !== "");
  try {
    return parts.map((part) => decodeURIComponent(part));
  } catch {
    return undefined;
  }
}

/** A positive integer path segment (run and stage counters). */
function counterOf(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  return Number(text);
}

function pageNumberOf(search: URLSearchParams): number {
  const page = counterOf(search.get("page") ?? undefined);
  return page ?? 1;
}

export function matchRoute(pathname: string, search = ""): Route {
  const query = new URLSearchParams(search);
  const parts = segments(pathname);
  const notFound: Route = { page: "not-found", path: pathname };
  if (parts === undefined) return notFound;
  const [first, name, counterText, stage, stageCounterText, job, ...rest] = parts;
  if (first === undefined) return { page: "dashboard" };
  if (first === "agents" && parts.length === 1) return { page: "agents" };
  if (first === "config" && parts.length === 1) return { page: "config" };
  if (first === "buckets" && parts.length === 1) return { page: "buckets" };
  if (first === "audit" && parts.length === 1) return { page: "audit", filter: filterFromSearch(search) };
  if (first === "buckets" && name !== undefined && parts.length === 2)
    return {
      page: "bucket",
      bucket: name,
      prefix: query.get("prefix") ?? "",
      key: query.get("key") || undefined,
    };
  if (first === "roles" && parts.length === 1) return { page: "roles" };
  if (first === "roles" && name !== undefined && parts.length === 2) return { page: "role", role: name };
  if (first === "policies" && parts.length === 1)
    return { page: "policies", policy: query.get("policy") || undefined };
  if (first === "instance-profiles" && parts.length === 1) return { page: "instance-profiles" };
  if (first === "stacks" && parts.length === 1) return { page: "stacks", all: query.get("all") === "true" };
  if (first === "stacks" && name !== undefined && parts.length === 2)
    return { page: "stack", stack: name, tab: stackTabOf(query) };
  if (first === "instances" && parts.length === 1)
    return { page: "instances", all: query.get("all") === "true" };
  if (first === "instances" && name !== undefined && parts.length === 2)
    return { page: "instance", instance: name };
  if (first === "users" && parts.length === 1) return { page: "users" };
  if (first === "users" && name !== undefined && parts.length === 2) return { page: "user", user: name };
  if (first === "account" && parts.length === 1) return { page: "account" };
  if (first !== "pipelines" || name === undefined || rest.length > 0) return notFound;
  if (counterText === undefined) return { page: "pipeline", pipeline: name, pageNumber: pageNumberOf(query) };
  const counter = counterOf(counterText);
  if (counter === undefined) return notFound;
  if (stage === undefined) {
    return { page: "run", pipeline: name, counter, tab: query.get("tab") === "vsm" ? "vsm" : "changes" };
  }
  const stageCounter = stageCounterText === "latest" ? "latest" : counterOf(stageCounterText);
  if (stageCounter === undefined || job === undefined) return notFound;
  const tab: JobTab = query.get("tab") === "artifacts" ? "artifacts" : "console";
  return { page: "job", pipeline: name, counter, stage, stageCounter, job, tab };
}

const enc = encodeURIComponent;

/** Links to every page (segments URI-encoded). */
export const href = {
  dashboard: (): string => "/",
  agents: (): string => "/agents",
  config: (): string => "/config",
  buckets: (): string => "/buckets",
  audit: (filter: AuditFilter = EMPTY_FILTER): string => `/audit${searchOfFilter(filter)}`,
  bucket: (bucket: string, prefix = "", key?: string): string => {
    const query = new URLSearchParams();
    if (prefix !== "") query.set("prefix", prefix);
    if (key !== undefined) query.set("key", key);
    const search = query.toString();
    return `/buckets/${enc(bucket)}${search === "" ? "" : `?${search}`}`;
  },
  roles: (): string => "/roles",
  role: (role: string): string => `/roles/${enc(role)}`,
  policies: (policy?: string): string =>
    policy === undefined ? "/policies" : `/policies?${new URLSearchParams({ policy }).toString()}`,
  instanceProfiles: (): string => "/instance-profiles",
  stacks: (all = false): string => (all ? "/stacks?all=true" : "/stacks"),
  stack: (stack: string, tab: StackTab = "events"): string =>
    `/stacks/${enc(stack)}${tab === "events" ? "" : `?tab=${tab}`}`,
  instances: (all = false): string => (all ? "/instances?all=true" : "/instances"),
  instance: (instance: string): string => `/instances/${enc(instance)}`,
  users: (): string => "/users",
  user: (user: string): string => `/users/${enc(user)}`,
  account: (): string => "/account",
  pipeline: (pipeline: string, pageNumber = 1): string =>
    `/pipelines/${enc(pipeline)}${pageNumber > 1 ? `?page=${pageNumber}` : ""}`,
  run: (pipeline: string, counter: number, tab: RunTab = "changes"): string =>
    `/pipelines/${enc(pipeline)}/${counter}${tab === "changes" ? "" : `?tab=${tab}`}`,
  job: (
    pipeline: string,
    counter: number,
    stage: string,
    stageCounter: number | "latest",
    job: string,
    tab: JobTab = "console",
  ): string =>
    `/pipelines/${enc(pipeline)}/${counter}/${enc(stage)}/${stageCounter}/${enc(job)}${tab === "console" ? "" : `?tab=${tab}`}`,
};

/**
 * An agent's `currentJob` (`pipeline/counter/stage/stageCounter/job`) as a link to the job page; undefined
 * when it does not have that shape.
 */
export function jobLocatorHref(locator: string): string | undefined {
  const parts = locator.split("/");
  if (parts.length !== 5) return undefined;
  const [pipeline, counter, stage, stageCounter, job] = parts as [string, string, string, string, string];
  const run = counterOf(counter);
  const stageRun = counterOf(stageCounter);
  if (run === undefined || stageRun === undefined) return undefined;
  return href.job(pipeline, run, stage, stageRun, job);
}
