/**
 * Where a V8 CPU profile of the server (BENCH_SCALE_SERVER_PROF) spent its time, window by window: the scale
 * bench writes its idle-CPU and dashboard API windows beside the profile (`windows.json`, in CLOCK_MONOTONIC µs,
 * the clock of the profile's own timestamps on Linux), so start-up and the dispatch samples stay out.
 *
 *   node bench/scale/profile-summary.ts DIR [--top 25]
 *
 * Prints self time by function (and by file), as % of the windows' wall time (one core = 100 %).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface IdleWindow {
  label: string;
  fromUs: number;
  toUs: number;
}

/** The monotonic clock the profile's timestamps use, in µs. */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

export function summarizeProfile(profile: CpuProfile, windows: readonly IdleWindow[], top: number): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const selfUs = new Map<string, number>();
  const totalUs = new Map<string, number>();
  const fileUs = new Map<string, number>();
  let time = profile.startTime;
  let inside = 0;
  for (let index = 0; index < profile.samples.length; index++) {
    const delta = profile.timeDeltas[index] ?? 0;
    time += delta;
    if (!windows.some((window) => time >= window.fromUs && time < window.toUs)) continue;
    const node = byId.get(profile.samples[index] as number);
    if (node === undefined) continue;
    const { functionName, url } = node.callFrame;
    // V8 idles in "(idle)"; "(program)" is native work outside JS (libuv, the SQLite C code called synchronously
    // shows up under the JS function that called it).
    if (functionName === "(idle)") continue;
    const file = url === "" ? "(native)" : shortUrl(url);
    const key = frameKey(node);
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    // Inclusive: once per function on the sampled stack (synchronous callers only: an await starts a new stack).
    const onStack = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parentOf.get(id)) {
      const frame = byId.get(id);
      if (frame !== undefined && frame.callFrame.url !== "") onStack.add(frameKey(frame));
    }
    for (const frame of onStack) totalUs.set(frame, (totalUs.get(frame) ?? 0) + delta);
    fileUs.set(file, (fileUs.get(file) ?? 0) + delta);
    inside += delta;
  }
  const wallUs = windows.reduce((sum, window) => sum + (window.toUs - window.fromUs), 0);
  const pct = (us: number) => `${((100 * us) / wallUs).toFixed(2).padStart(6)} %`;
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => `  ${pct(us)}  ${key}`);
  return [
    `busy (not idle) samples: ${pct(inside)} of ${(wallUs / 1e6).toFixed(1)} s in ${windows.map((w) => w.label).join(", ")}`,
    "self time by function:",
    ...rows(selfUs),
    "self time by file:",
    ...rows(fileUs),
    "total time by function (itself and what it called synchronously):",
    ...rows(totalUs),
  ].join("\n");
}

function frameKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || "(anonymous)"} ${url === "" ? "(native)" : shortUrl(url)}:${lineNumber + 1}`;
}

function shortUrl(url: string): string {
  const at = url.indexOf("/packages/");
  if (at >= 0) return url.slice(at + 1);
  const modules = url.lastIndexOf("/node_modules/");
  return modules >= 0 ? url.slice(modules + "/node_modules/".length) : url;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "25" } },
  });
  const dir = positionals[0];
  if (dir === undefined) throw new Error("usage: node bench/scale/profile-summary.ts DIR [--top N]");
  const windows = JSON.parse(readFileSync(path.join(dir, "windows.json"), "utf8")) as IdleWindow[];
  const profiles = readdirSync(dir).filter((name) => name.endsWith(".cpuprofile"));
  for (const name of profiles.sort(
    (a, b) => statSync(path.join(dir, a)).mtimeMs - statSync(path.join(dir, b)).mtimeMs,
  )) {
    const profile = JSON.parse(readFileSync(path.join(dir, name), "utf8")) as CpuProfile;
    const mine = windows.filter(
      (window) => window.fromUs >= profile.startTime && window.toUs <= profile.endTime,
    );
    for (const window of mine)
      console.log(`${name}, ${window.label}:\n${summarizeProfile(profile, [window], Number(values.top))}\n`);
  }
}
