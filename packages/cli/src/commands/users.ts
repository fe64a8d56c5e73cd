/**
 * `fawkes users create|list|set-role|disable|enable|delete|grant|revoke-grant`: the server's users (admin). Roles
 * are admin, operator and viewer, globally and per pipeline group (GoCD's admin / operate / view).
 */
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { UserRole } from "@fawkes/protocol";
import { clientFor } from "../client-for.ts";
import type { CliContext } from "../context.ts";
import { ago, formatTable, printJson } from "../output.ts";
import { readStdinLine } from "../read-secret.ts";

function role(value: string): UserRole {
  const parsed = UserRole.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`expected one of ${UserRole.options.join(", ")}`);
  return parsed.data;
}

export function registerUsersCommand(program: Command, { io }: CliContext): void {
  const users = program
    .command("users")
    .description(
      "manage users: create, list, set-role, disable, enable, delete, grant a role in a pipeline group",
    );

  users
    .command("list", { isDefault: true })
    .description("list users with their roles")
    .option("--json", "print {users:[…]} as JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await clientFor(command, io).users();
      if (options.json) {
        printJson(io, list);
        return;
      }
      const rows = list.users.map((user) => [
        user.name,
        user.role,
        Object.entries(user.groups)
          .map(([group, granted]) => `${group}:${granted}`)
          .join(", ") || "-",
        user.disabled ? "disabled" : "enabled",
        ago(user.createdAt),
      ]);
      io.out(formatTable(["user", "role", "groups", "state", "created"], rows));
    });

  users
    .command("create")
    .description("create a user; without --password-stdin a password is generated and printed once")
    .argument("<name>", "login name")
    .option("--role <role>", "admin, operator or viewer", role, "viewer" as UserRole)
    .option("--password-stdin", "read the password (12 characters or more) from the first line of stdin")
    .option("--json", "print the user (and a generated password) as JSON")
    .action(
      async (
        name: string,
        options: { role: UserRole; passwordStdin?: boolean; json?: boolean },
        command: Command,
      ) => {
        const password = options.passwordStdin ? await readStdinLine() : undefined;
        const created = await clientFor(command, io).createUser({
          name,
          role: options.role,
          ...(password !== undefined && { password }),
        });
        if (options.json) {
          printJson(io, created);
          return;
        }
        io.out(`created ${created.user.name} (${created.user.role})\n`);
        if (created.password !== undefined) io.out(`password (shown only now): ${created.password}\n`);
      },
    );

  users
    .command("set-role")
    .description("change a user's global role")
    .argument("<name>", "user")
    .argument("<role>", "admin, operator or viewer", role)
    .action(async (name: string, newRole: UserRole, _options: object, command: Command) => {
      await clientFor(command, io).updateUser(name, { role: newRole });
      io.out(`${name} is now ${newRole}\n`);
    });

  users
    .command("set-password")
    .description("set a user's password from the first line of stdin (ends their web sessions)")
    .argument("<name>", "user")
    .action(async (name: string, _options: object, command: Command) => {
      await clientFor(command, io).updateUser(name, { password: await readStdinLine() });
      io.out(`password of ${name} changed\n`);
    });

  for (const [verb, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const)
    users
      .command(verb)
      .description(
        disabled
          ? "disable a user: their sessions end and their tokens are refused"
          : "enable a disabled user again",
      )
      .argument("<name>", "user")
      .action(async (name: string, _options: object, command: Command) => {
        await clientFor(command, io).updateUser(name, { disabled });
        io.out(`${verb}d ${name}\n`);
      });

  users
    .command("delete")
    .description("delete a user with their tokens and sessions")
    .argument("<name>", "user")
    .action(async (name: string, _options: object, command: Command) => {
      await clientFor(command, io).deleteUser(name);
      io.out(`deleted ${name}\n`);
    });

  users
    .command("grant")
    .description("grant a user a role in a pipeline group (adds to the global role)")
    .argument("<name>", "user")
    .requiredOption("--group <group>", "pipeline group (`group:` in the config; defaultGroup without one)")
    .requiredOption("--role <role>", "admin, operator or viewer", role)
    .action(async (name: string, options: { group: string; role: UserRole }, command: Command) => {
      await clientFor(command, io).grant(name, options.group, options.role);
      io.out(`${name} is ${options.role} in group ${options.group}\n`);
    });

  users
    .command("revoke-grant")
    .description("remove a user's role in a pipeline group")
    .argument("<name>", "user")
    .requiredOption("--group <group>", "pipeline group")
    .action(async (name: string, options: { group: string }, command: Command) => {
      await clientFor(command, io).grant(name, options.group, null);
      io.out(`${name} has no role of its own in group ${options.group}\n`);
    });
}
