/**
 * `fawkes agent --server URL --key KEY [--name N] [--resources a,b] [--environments e] [--work-dir DIR] [--role R]
 * [--token-rotation DURATION]`:
 * run a build agent in the foreground until SIGINT/SIGTERM. The key may also come from $FAWKES_AGENT_KEY
 * (what `fawkes up` uses, so the key never shows in `ps`).
 */
import { hostname } from "node:os";
import { resolve } from "node:path";
import type { Command } from "commander";
import { ErrorCode } from "@fawkes/protocol/constants";
import { serverUrlOf } from "../context.ts";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { commaList, duration } from "../options.ts";
import { untilSignal } from "../signals.ts";

interface AgentFlags {
  key?: string;
  name: string;
  resources: string[];
  environments: string[];
  workDir: string;
  role?: string;
  tokenRotation: number;
}

function agentLog(io: CliIo, name: string) {
  return (level: "info" | "warn" | "error", msg: string, fields?: object) => {
    const extra = fields === undefined ? "" : ` ${JSON.stringify(fields)}`;
    io.err(`${new Date().toISOString()} ${level} agent ${name}: ${msg}${extra}\n`);
  };
}

export function registerAgentCommand(program: Command, { io }: CliContext): void {
  program
    .command("agent")
    .description("run a build agent that takes jobs from a Fawkes server (uses the global --server)")
    .option(
      "--key <key>",
      "registration key: the server's keys/agent-key (pending until enabled) or keys/agent-auto-register-key (default: $FAWKES_AGENT_KEY)",
    )
    .option("--name <name>", "agent name", hostname())
    .option("--resources <list>", "comma-separated resources this agent offers", commaList, [])
    .option("--environments <list>", "comma-separated environments this agent belongs to", commaList, [])
    .option("--work-dir <dir>", "working directory (identity, workspaces, git cache)", "./.fawkes-agent")
    .option(
      "--role <role>",
      "role (name or ARN) its jobs assume when they name none; its trust policy must allow ec2.amazonaws.com",
    )
    .option(
      "--token-rotation <duration>",
      "how often the agent replaces its own token, from when it was issued (e.g. 12h, 7d; 0 = never)",
      duration,
      24 * 60 * 60_000,
    )
    .action(async (flags: AgentFlags, command: Command) => {
      const key = flags.key ?? io.env.FAWKES_AGENT_KEY;
      if (key === undefined || key === "") {
        throw new CliError("an agent needs a registration key", {
          code: ErrorCode.badRequest,
          hint: "pass --key $(cat <data-dir>/keys/agent-key) or set FAWKES_AGENT_KEY",
        });
      }
      const { startAgent } = await import("@fawkes/agent");
      const agent = await startAgent({
        serverUrl: serverUrlOf(command, io),
        key,
        name: flags.name,
        resources: flags.resources,
        environments: flags.environments,
        workDir: resolve(flags.workDir),
        log: agentLog(io, flags.name),
        ...(flags.role !== undefined ? { role: flags.role } : {}),
        tokenRotationMs: flags.tokenRotation,
      });
      io.err(`fawkes agent ${agent.name} started (server ${serverUrlOf(command, io)})\n`);
      await Promise.race([untilSignal(), agent.done]);
      await agent.stop();
    });
}
