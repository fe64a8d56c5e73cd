/**
 * `fawkes stack …`: CloudFormation stacks through CloudFormation's Query API, signed with the caller's own
 * credentials (so IAM decides who may deploy), on the Fawkes cloud endpoint or, with `--provider aws`, on real AWS.
 * Only the command definitions live here: each action imports its implementation (and the AWS SDK) when it runs.
 * The connection options are accepted before or after the subcommand; cloud-connection.ts has their precedence.
 */
import { InvalidArgumentError, type Command } from "commander";
import type { ClientOverrides } from "../../cloud-connection.ts";
import { addConnectionOptions } from "../../cloud-options.ts";
import type { RegisterCommand } from "../../program.ts";

const CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"];

function keyValue(value: string, previous: string[] = []): string[] {
  if (!/^[^=]+=/.test(value))
    throw new InvalidArgumentError(`expected KEY=VALUE, got ${JSON.stringify(value)}`);
  return [...previous, value];
}

function capability(value: string, previous: string[] = []): string[] {
  if (!CAPABILITIES.includes(value))
    throw new InvalidArgumentError(
      `expected one of ${CAPABILITIES.join(", ")}, got ${JSON.stringify(value)}`,
    );
  return [...previous, value];
}

function withStackInputs(command: Command, update: boolean): Command {
  return command
    .option(
      "--template <file>",
      update ? "the new template (JSON or YAML)" : "the template file (JSON or YAML)",
    )
    .option("--parameter <key=value>", "a template parameter (repeatable)", keyValue)
    .option(
      "--capabilities <capability...>",
      `acknowledge what the template makes (one or more): ${CAPABILITIES.join(", ")}`,
      capability,
    )
    .option("--tag <key=value>", "a stack tag, given to every resource too (repeatable)", keyValue)
    .option(
      "--disable-rollback",
      update ? "keep what a failed update made" : "keep what a failed create made (stays CREATE_FAILED)",
    )
    .option("--wait", "print events live until the operation ends; exit 1 unless it succeeded")
    .option("--json", "print JSON");
}

/** The `stack` command with its subcommands; `overrides` reach every client it makes (tests). */
export function stackCommand(overrides: ClientOverrides = {}): RegisterCommand {
  return (program, { io }) => {
    const stack = addConnectionOptions(
      program
        .command("stack")
        .description(
          "create, update, follow and delete CloudFormation stacks (the cloud endpoint's, or AWS's with --provider aws)",
        ),
      "cloudformation",
      true,
    );
    const change = () => import("./create.ts");
    const remove = () => import("./delete.ts");
    const show = () => import("./show.ts");

    withStackInputs(
      stack
        .command("create")
        .description("create a stack from a template")
        .argument("<name>", "stack name ([a-zA-Z][-a-zA-Z0-9]*)"),
      false,
    ).action(async (name: string, flags, command: Command) =>
      (await change()).runCreate(io, command, name, flags, overrides),
    );

    withStackInputs(
      stack
        .command("update")
        .description("update a stack to a new template or new parameters")
        .argument("<name>", "stack name"),
      true,
    )
      .option("--use-previous-template", "keep the stack's template (parameters not given keep their values)")
      .action(async (name: string, flags, command: Command) =>
        (await change()).runUpdate(io, command, name, flags, overrides),
      );

    stack
      .command("delete")
      .description("delete a stack and every resource it made (a stack that does not exist is not an error)")
      .argument("<name>", "stack name")
      .option("--wait", "print events live until the stack is deleted; exit 1 unless it was")
      .option("--json", "print JSON")
      .action(async (name: string, flags, command: Command) =>
        (await remove()).runDelete(io, command, name, flags, overrides),
      );

    stack
      .command("retire")
      .description("delete every live stack whose name starts with PREFIX, except the one kept")
      .requiredOption("--prefix <prefix>", "name prefix of the stacks to delete, e.g. app-server-build-")
      .requiredOption("--keep <name>", "the stack to keep (it must exist)")
      .option("--wait", "wait for each deletion; exit 1 naming the stacks that were not deleted")
      .option("--json", "print JSON")
      .action(async (flags, command: Command) => (await remove()).runRetire(io, command, flags, overrides));

    stack
      .command("describe")
      .description("a stack's status, parameters, outputs and resources")
      .argument("<name>", "stack name or ARN")
      .option("--json", "print JSON")
      .action(async (name: string, flags, command: Command) =>
        (await show()).runDescribe(io, command, name, flags, overrides),
      );

    stack
      .command("events")
      .description("a stack's events, oldest first")
      .argument("<name>", "stack name or ARN")
      .option("--follow", "then print new events until the operation in progress ends")
      .option("--json", "print JSON (one event per line with --follow)")
      .action(async (name: string, flags, command: Command) =>
        (await show()).runEvents(io, command, name, flags, overrides),
      );

    stack
      .command("outputs")
      .description("a stack's outputs as KEY=VALUE lines")
      .argument("<name>", "stack name or ARN")
      .option("--json", "print a JSON object")
      .action(async (name: string, flags, command: Command) =>
        (await show()).runOutputs(io, command, name, flags, overrides),
      );

    stack
      .command("list")
      .description("live stacks (with --all, also those deleted in the last 90 days)")
      .option("--all", "include deleted stacks")
      .option("--json", "print JSON")
      .action(async (flags, command: Command) => (await show()).runList(io, command, flags, overrides));
  };
}

export const registerStackCommand: RegisterCommand = stackCommand();
