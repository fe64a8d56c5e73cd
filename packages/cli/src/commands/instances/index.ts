/**
 * `fawkes instances list|console|terminate`: phoenix instances through EC2's Query API (DescribeInstances,
 * GetConsoleOutput, TerminateInstances), signed with the caller's credentials, on the Fawkes cloud endpoint or,
 * with `--provider aws`, on real AWS. The implementation (and the AWS SDK) is loaded only when a subcommand runs.
 */
import type { Command } from "commander";
import type { ClientOverrides } from "../../cloud-connection.ts";
import { addConnectionOptions } from "../../cloud-options.ts";
import type { RegisterCommand } from "../../program.ts";

/** The `instances` command with its subcommands; `overrides` reach every client it makes (tests). */
export function instancesCommand(overrides: ClientOverrides = {}): RegisterCommand {
  return (program, { io }) => {
    const instances = addConnectionOptions(
      program
        .command("instances")
        .description("list phoenix instances, read their console output, terminate them"),
      "ec2",
      true,
    );
    const run = () => import("./run.ts");

    instances
      .command("list")
      .description("instances that are not terminated (with --all, also the terminated ones)")
      .option("--all", "include terminated instances")
      .option("--json", "print JSON")
      .action(async (flags, command: Command) => (await run()).runList(io, command, flags, overrides));

    instances
      .command("console")
      .description("an instance's console output (its boot: cloud-init and user data)")
      .argument("<id>", "instance id (i-…)")
      .option("--json", "print JSON")
      .action(async (id: string, flags, command: Command) =>
        (await run()).runConsole(io, command, id, flags, overrides),
      );

    instances
      .command("terminate")
      .description("terminate instances: every process ends and the disk is deleted")
      .argument("<id...>", "instance ids (i-…)")
      .option("--json", "print JSON")
      .action(async (ids: string[], flags, command: Command) =>
        (await run()).runTerminate(io, command, ids, flags, overrides),
      );
  };
}

export const registerInstancesCommand: RegisterCommand = instancesCommand();
