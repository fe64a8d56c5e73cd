/**
 * `fawkes audit [--actor X] [--action A] [--target T] [--since 1h|ISO] [--until …] [--limit N] [--json]`: the
 * server's audit log, newest first. `--action` and `--target` match exactly, or by prefix with a trailing `*`
 * (`--action 'pipeline.*'`); `--since 1h` means the last hour (s, m, h, d, w), or give an ISO 8601 time.
 */
import { AUDIT_PAGE_MAX, ErrorCode, type AuditEntryDto, type AuditQuery } from "@fawkes/protocol";
import { InvalidArgumentError, type Command } from "commander";
import { clientFor } from "../client-for.ts";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { positiveInt } from "../options.ts";
import { formatTable, printJson } from "../output.ts";

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** The most `--limit` may ask for: more is a job for the API's paging. */
const LIMIT_MAX = 10_000;

/** `90m` → now − 90 minutes; an ISO 8601 time as it is; both as epoch milliseconds. */
export function parseAuditTime(value: string, now = Date.now()): number {
  const relative = /^(\d{1,6})([smhdw])$/.exec(value.trim());
  if (relative) return now - Number(relative[1]) * (UNIT_MS[relative[2] ?? ""] ?? 0);
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(value)
    ? Date.parse(value)
    : Number.NaN;
  if (Number.isNaN(iso))
    throw new InvalidArgumentError("expected a duration back from now (30m, 1h, 7d) or an ISO 8601 time");
  return iso;
}

function limitOption(value: string): number {
  const limit = positiveInt(value);
  if (limit > LIMIT_MAX) throw new InvalidArgumentError(`at most ${LIMIT_MAX}`);
  return limit;
}

interface AuditOptions {
  actor?: string;
  action?: string;
  target?: string;
  since?: number;
  until?: number;
  limit: number;
  json?: boolean;
}

const actorOf = (entry: AuditEntryDto): string =>
  entry.actor.kind === "user" ? entry.actor.name : `${entry.actor.kind}:${entry.actor.name}`;

/** Details in one line, `key=value` (values as JSON when they are not plain strings). */
function detailsOf(entry: AuditEntryDto): string {
  return Object.entries(entry.details)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
}

export function registerAuditCommand(program: Command, { io }: CliContext): void {
  program
    .command("audit")
    .description("show the audit log, newest first: who triggered, approved, cancelled, changed what")
    .option(
      "--actor <name>",
      "only this actor: a user or agent name, or KIND:NAME (agent:agent-1, system:fawkes)",
    )
    .option("--action <action>", "only this action (stage.approve), or a prefix ending in * ('pipeline.*')")
    .option(
      "--target <target>",
      "only this target (pipeline/build/3), or a prefix ending in * ('pipeline/build/*')",
    )
    .option("--since <time>", "entries since a duration ago (30m, 1h, 7d) or an ISO 8601 time", (v) =>
      parseAuditTime(v),
    )
    .option("--until <time>", "entries before a duration ago or an ISO 8601 time", (v) => parseAuditTime(v))
    .option("--limit <n>", `at most this many entries (up to ${LIMIT_MAX})`, limitOption, 50)
    .option("--json", "print {entries:[…]} as JSON")
    .action(async (options: AuditOptions, command: Command) => {
      if (options.since !== undefined && options.until !== undefined && options.since >= options.until)
        throw new CliError("--since must be before --until", { code: ErrorCode.badRequest });
      const client = clientFor(command, io);
      const query: AuditQuery = {
        ...(options.actor !== undefined && { actor: options.actor }),
        ...(options.action !== undefined && { action: options.action }),
        ...(options.target !== undefined && { target: options.target }),
        ...(options.since !== undefined && { since: String(options.since) }),
        ...(options.until !== undefined && { until: String(options.until) }),
      };
      const entries: AuditEntryDto[] = [];
      let before: number | null = null;
      do {
        const page = await client.audit({
          ...query,
          limit: String(Math.min(AUDIT_PAGE_MAX, options.limit - entries.length)),
          ...(before !== null && { before: String(before) }),
        });
        entries.push(...page.entries);
        before = page.next;
      } while (before !== null && entries.length < options.limit);
      if (options.json) {
        printJson(io, { entries });
        return;
      }
      if (entries.length === 0) {
        io.out("no audit entries match\n");
        return;
      }
      const rows = entries.map((entry) => [
        new Date(entry.at).toISOString(),
        actorOf(entry),
        entry.action,
        entry.target,
        detailsOf(entry),
      ]);
      io.out(formatTable(["time", "actor", "action", "target", "details"], rows));
    });
}
