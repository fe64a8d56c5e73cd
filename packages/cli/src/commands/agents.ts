/**
 * `fawkes agents [--json]` and `fawkes agents enable|disable|delete|revoke-token NAME`, `fawkes agents resources
 * NAME a,b`, `fawkes agents set-role NAME ROLE|--none`.
 */
import { ErrorCode } from "@fawkes/protocol/constants";
import type { Command } from "commander";
import { clientFor } from "../client-for.ts";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { commaList } from "../options.ts";
import { ago, formatTable, printJson } from "../output.ts";

export function registerAgentsCommand(program: Command, { io }: CliContext): void {
  const agents = program
    .command("agents")
    .description("list agents, or enable, disable, delete one or set its resources")
    .option("--json", "print {agents:[…]} as JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await clientFor(command, io).agents();
      if (options.json) {
        printJson(io, list);
        return;
      }
      if (list.agents.length === 0) {
        io.out("no agents registered; start one with `fawkes agent --server URL --key KEY`\n");
        return;
      }
      const rows = list.agents.map((agent) => [
        agent.name,
        agent.state,
        agent.resources.join(",") || "-",
        agent.environments.join(",") || "-",
        agent.currentJob ?? "-",
        ago(agent.lastHeartbeatAt),
      ]);
      io.out(formatTable(["name", "state", "resources", "environments", "job", "heartbeat"], rows));
    });

  agents
    .command("enable")
    .description("enable a pending or disabled agent so it gets jobs")
    .argument("<name>", "agent name")
    .action(async (name: string, _options: object, command: Command) => {
      await clientFor(command, io).enableAgent(name);
      io.out(`enabled ${name}\n`);
    });
  agents
    .command("disable")
    .description("stop giving jobs to an agent (its running job finishes)")
    .argument("<name>", "agent name")
    .action(async (name: string, _options: object, command: Command) => {
      await clientFor(command, io).disableAgent(name);
      io.out(`disabled ${name}\n`);
    });
  agents
    .command("delete")
    .description("forget an agent (it must register again)")
    .argument("<name>", "agent name")
    .action(async (name: string, _options: object, command: Command) => {
      await clientFor(command, io).deleteAgent(name);
      io.out(`deleted ${name}\n`);
    });
  agents
    .command("revoke-token")
    .description("revoke an agent's token: it must register again with the key, and is pending until enabled")
    .argument("<name>", "agent name")
    .action(async (name: string, _options: object, command: Command) => {
      await clientFor(command, io).revokeAgentToken(name);
      io.out(`revoked the token of ${name}: it registers again with the key and waits to be enabled\n`);
    });
  agents
    .command("resources")
    .description("replace an agent's resources")
    .argument("<name>", "agent name")
    .argument("<resources>", 'comma-separated resources, e.g. linux,docker ("" for none)')
    .option("--json", "print the updated agent as JSON")
    .action(async (name: string, resources: string, options: { json?: boolean }, command: Command) => {
      const agent = await clientFor(command, io).setAgentResources(name, commaList(resources));
      if (options.json) printJson(io, agent);
      else io.out(`${agent.name}: resources ${agent.resources.join(",") || "(none)"}\n`);
    });
  agents
    .command("set-role")
    .description(
      "give an agent a role: jobs with no role of their own get its temporary credentials (its trust policy must allow ec2.amazonaws.com)",
    )
    .argument("<name>", "agent name")
    .argument("[role]", "role name or ARN")
    .option("--none", "take the agent's role away")
    .option("--json", "print the updated agent as JSON")
    .action(
      async (
        name: string,
        role: string | undefined,
        options: { none?: boolean; json?: boolean },
        command: Command,
      ) => {
        if ((role === undefined) === (options.none !== true))
          throw new CliError("name a role, or --none to take the agent's role away (not both)", {
            code: ErrorCode.badRequest,
          });
        const agent = await clientFor(command, io).setAgentRole(name, role ?? null);
        if (options.json) printJson(io, agent);
        else io.out(`${agent.name}: role ${agent.role ?? "(none)"}\n`);
      },
    );
}
