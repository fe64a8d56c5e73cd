/**
 * `fawkes credentials list|create|delete|sessions|revoke`: access keys of the server's cloud endpoint (S3 …). A key acts as IAM
 * user NAME and is allowed what its policy (an IAM JSON policy document) allows; its secret is shown only at
 * creation.
 */
import { readFileSync } from "node:fs";
import { ErrorCode } from "@fawkes/protocol/constants";
import type { Command } from "commander";
import { clientFor } from "../client-for.ts";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { ago, formatTable, printJson } from "../output.ts";

export function readPolicy(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = file === "-" ? readFileSync(0, "utf8") : readFileSync(file, "utf8");
  } catch (cause) {
    throw new CliError(`cannot read policy file ${file}: ${(cause as Error).message}`, {
      code: ErrorCode.badRequest,
      cause,
    });
  }
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch (cause) {
    throw new CliError(`${file} is not JSON: ${(cause as Error).message}`, {
      code: ErrorCode.badRequest,
      hint: 'a policy looks like {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}',
      cause,
    });
  }
  if (typeof policy !== "object" || policy === null || Array.isArray(policy))
    throw new CliError(`${file} must hold a JSON object (an IAM policy document)`, {
      code: ErrorCode.badRequest,
    });
  return policy as Record<string, unknown>;
}

export function registerCredentialsCommand(program: Command, { io }: CliContext): void {
  const credentials = program
    .command("credentials")
    .description(
      "manage access keys of the cloud endpoint (S3, STS): list, create with an IAM policy, delete; list and revoke temporary credentials",
    );

  credentials
    .command("list", { isDefault: true })
    .description("list access keys (secrets are never shown again after creation)")
    .option("--json", "print {accessKeys:[…]} as JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await clientFor(command, io).accessKeys();
      if (options.json) {
        printJson(io, list);
        return;
      }
      if (list.accessKeys.length === 0) {
        io.out("no access keys; create one with `fawkes credentials create --name NAME --policy FILE`\n");
        return;
      }
      const rows = list.accessKeys.map((key) => [
        key.accessKeyId,
        key.name,
        key.principal,
        ago(key.createdAt),
        key.expiresAt === null ? "never" : new Date(key.expiresAt).toISOString(),
      ]);
      io.out(formatTable(["access key id", "name", "principal", "created", "expires"], rows));
    });

  credentials
    .command("create")
    .description("create an access key allowed what an IAM policy document allows; prints its secret once")
    .requiredOption("--name <name>", "IAM user name the key acts as (letters, digits, _+=,.@-)")
    .requiredOption("--policy <file>", "IAM policy document (JSON file, - for stdin)")
    .option("--json", "print the key (with its secret) as JSON")
    .action(async (options: { name: string; policy: string; json?: boolean }, command: Command) => {
      const policy = readPolicy(options.policy);
      const key = await clientFor(command, io).createAccessKey({ name: options.name, policy });
      if (options.json) {
        printJson(io, key);
        return;
      }
      io.out(
        [
          `created access key for ${key.principal} (save the secret now: it is not shown again)`,
          `  AWS_ACCESS_KEY_ID=${key.accessKeyId}`,
          `  AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}`,
          "",
        ].join("\n"),
      );
    });

  credentials
    .command("delete")
    .description("delete an access key: requests signed with it fail from now on")
    .argument("<access-key-id>", "e.g. AKIA…")
    .option("--json", 'print {"deleted": ID} as JSON')
    .action(async (accessKeyId: string, options: { json?: boolean }, command: Command) => {
      await clientFor(command, io).deleteAccessKey(accessKeyId);
      if (options.json) printJson(io, { deleted: accessKeyId });
      else io.out(`deleted ${accessKeyId}\n`);
    });

  credentials
    .command("sessions")
    .description("list temporary credentials (STS sessions, jobs' role sessions): live ones unless --all")
    .option("--all", "expired and revoked sessions too")
    .option("--role <name>", "only this role's sessions")
    .option("--json", "print {sessions:[…]} as JSON")
    .action(async (options: { all?: boolean; role?: string; json?: boolean }, command: Command) => {
      const list = await clientFor(command, io).stsSessions({
        ...(options.all ? { all: true } : {}),
        ...(options.role !== undefined ? { role: options.role } : {}),
      });
      if (options.json) {
        printJson(io, list);
        return;
      }
      if (list.sessions.length === 0) {
        io.out(options.all ? "no sessions\n" : "no live sessions\n");
        return;
      }
      const rows = list.sessions.map((session) => [
        session.accessKeyId,
        session.principal,
        session.assumedBy,
        ago(session.issuedAt),
        session.revokedAt !== null
          ? `revoked ${ago(session.revokedAt)}`
          : new Date(session.expiresAt).toISOString(),
      ]);
      io.out(formatTable(["access key id", "principal", "assumed by", "issued", "expires"], rows));
    });

  credentials
    .command("revoke")
    .description("revoke temporary credentials: requests made with them fail from the next one on")
    .option("--session <id>", "one session (ASIA…)")
    .option("--role <name>", "every live session of a role")
    .option("--all", "every live session")
    .option("--json", 'print {"revoked": [ID…]} as JSON')
    .action(
      async (
        options: { session?: string; role?: string; all?: boolean; json?: boolean },
        command: Command,
      ) => {
        const chosen = [options.session, options.role, options.all].filter((value) => value !== undefined);
        if (chosen.length !== 1)
          throw new CliError("name exactly one of --session ID, --role NAME or --all", {
            code: ErrorCode.badRequest,
          });
        const request =
          options.session !== undefined
            ? { session: options.session }
            : options.role !== undefined
              ? { role: options.role }
              : { all: true as const };
        const { revoked } = await clientFor(command, io).revokeSessions(request);
        if (options.json) printJson(io, { revoked });
        else io.out(`revoked ${revoked.length} session${revoked.length === 1 ? "" : "s"}\n`);
      },
    );
}
