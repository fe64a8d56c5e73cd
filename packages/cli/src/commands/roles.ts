/**
 * `fawkes roles …` and `fawkes policies …`: IAM roles (trust policy, inline and attached managed policies) and
 * managed policies on the server, the same ones `aws iam` sees on the cloud endpoint. `roles create` writes the
 * trust statements of docs/identity.md for a pipeline (`--trust-pipeline`) or agents (`--trust-agents`).
 */
import { roleTrustPolicy } from "@fawkes/protocol";
import { ErrorCode } from "@fawkes/protocol/constants";
import type { Command } from "commander";
import { clientFor } from "../client-for.ts";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { ago, formatTable, printJson } from "../output.ts";
import { readPolicy } from "./credentials.ts";

/** `--trust-agents` (every agent given the role) or `--trust-agents a1,a2` (only those). */
const agentsOption = (value: boolean | string | undefined): boolean | string[] =>
  value === undefined
    ? false
    : value === true
      ? true
      : String(value)
          .split(",")
          .map((name) => name.trim())
          .filter(Boolean);

const collect = (value: string, previous: string[]): string[] => [...previous, value];

interface CreateOptions {
  trust?: string;
  trustPipeline: string[];
  trustAgents?: boolean | string;
  path?: string;
  description?: string;
  maxSession?: string;
  json?: boolean;
}

export function registerRolesCommand(program: Command, { io }: CliContext): void {
  const roles = program
    .command("roles")
    .description("manage IAM roles: who may assume them (trust policy) and what they allow (policies)");

  roles
    .command("list", { isDefault: true })
    .description("list roles")
    .option("--json", "print {roles:[…]} as JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await clientFor(command, io).roles();
      if (options.json) return printJson(io, list);
      if (list.roles.length === 0) {
        io.out("no roles; create one with `fawkes roles create NAME --trust-pipeline PIPELINE`\n");
        return;
      }
      io.out(
        formatTable(
          ["name", "arn", "max session", "created"],
          list.roles.map((role) => [
            role.name,
            role.arn,
            `${role.maxSessionDurationSeconds}s`,
            ago(role.createdAt),
          ]),
        ),
      );
    });

  roles
    .command("show")
    .description("show a role: its trust policy, inline and attached policies, instance profiles")
    .argument("<role>", "role name")
    .option("--json", "print the role as JSON")
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      const role = await clientFor(command, io).role(name);
      if (options.json) return printJson(io, role);
      const lines = [
        `role ${role.name}`,
        `  arn:          ${role.arn}`,
        `  id:           ${role.roleId}`,
        ...(role.description ? [`  description:  ${role.description}`] : []),
        `  max session:  ${role.maxSessionDurationSeconds}s`,
        ...(role.permissionsBoundaryArn ? [`  boundary:     ${role.permissionsBoundaryArn}`] : []),
        ...Object.entries(role.tags).map(([key, value]) => `  tag:          ${key}=${value}`),
        "trust policy:",
        indent(JSON.stringify(role.trustPolicy, null, 2)),
        role.inlinePolicies.length === 0 ? "inline policies: none" : "inline policies:",
        ...role.inlinePolicies.map((p) => `  ${p.name}:\n${indent(JSON.stringify(p.document, null, 2), 4)}`),
        role.attachedPolicies.length === 0 ? "attached policies: none" : "attached policies:",
        ...role.attachedPolicies.map((p) => `  ${p.name} (${p.arn})`),
        ...(role.instanceProfiles.length > 0
          ? [`instance profiles: ${role.instanceProfiles.join(", ")}`]
          : []),
        "",
      ];
      io.out(lines.join("\n"));
    });

  roles
    .command("create")
    .description("create a role; say who may assume it with --trust FILE, --trust-pipeline or --trust-agents")
    .argument("<role>", "role name (letters, digits, _+=,.@-; at most 64)")
    .option("--trust <file>", "trust policy document (JSON file, - for stdin)")
    .option(
      "--trust-pipeline <glob>",
      "let jobs of matching pipelines assume it (fawkes:sub pipeline:GLOB:stage:*:job:*); repeatable",
      collect,
      [],
    )
    .option(
      "--trust-agents [names]",
      "let agents given the role assume it (optionally only these, comma-separated)",
    )
    .option("--path <path>", 'IAM path, e.g. "/ci/"', "/")
    .option("--description <text>", "what the role is for")
    .option("--max-session <seconds>", "longest session, 3600-43200", "3600")
    .option("--json", "print the role as JSON")
    .action(async (name: string, options: CreateOptions, command: Command) => {
      const generated = options.trustPipeline.length > 0 || options.trustAgents !== undefined;
      if (options.trust !== undefined && generated)
        throw new CliError("give either --trust FILE or --trust-pipeline/--trust-agents, not both", {
          code: ErrorCode.badRequest,
        });
      if (options.trust === undefined && !generated)
        throw new CliError("say who may assume the role", {
          code: ErrorCode.badRequest,
          hint: "add --trust-pipeline PIPELINE (its jobs), --trust-agents (agents given the role) or --trust FILE",
        });
      const maxSession = Number(options.maxSession);
      if (!Number.isInteger(maxSession))
        throw new CliError(`--max-session must be a whole number of seconds, not ${options.maxSession}`, {
          code: ErrorCode.badRequest,
        });
      const trustPolicy =
        options.trust !== undefined
          ? readPolicy(options.trust)
          : roleTrustPolicy(options.trustPipeline, agentsOption(options.trustAgents));
      const role = await clientFor(command, io).createRole({
        name,
        trustPolicy,
        ...(options.path !== undefined && { path: options.path }),
        ...(options.description !== undefined && { description: options.description }),
        maxSessionDurationSeconds: maxSession,
      });
      if (options.json) return printJson(io, role);
      io.out(
        `created role ${role.arn}\n  give it policies with \`fawkes roles put-policy ${role.name} NAME FILE\`\n`,
      );
    });

  roles
    .command("delete")
    .description("delete a role (delete its inline policies and detach its managed ones first)")
    .argument("<role>", "role name")
    .option("--json", 'print {"deleted": ROLE} as JSON')
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      await clientFor(command, io).deleteRole(name);
      if (options.json) printJson(io, { deleted: name });
      else io.out(`deleted role ${name}\n`);
    });

  roles
    .command("put-policy")
    .description("create or replace an inline policy of a role")
    .argument("<role>", "role name")
    .argument("<policy>", "inline policy name")
    .argument("<file>", "IAM policy document (JSON file, - for stdin)")
    .option("--json", "print the policy as JSON")
    .action(
      async (role: string, policy: string, file: string, options: { json?: boolean }, command: Command) => {
        const saved = await clientFor(command, io).putRolePolicy(role, policy, readPolicy(file));
        if (options.json) printJson(io, saved);
        else io.out(`role ${role}: inline policy ${policy} saved\n`);
      },
    );

  roles
    .command("delete-policy")
    .description("delete an inline policy of a role")
    .argument("<role>", "role name")
    .argument("<policy>", "inline policy name")
    .option("--json", 'print {"role": ROLE, "deleted": POLICY} as JSON')
    .action(async (role: string, policy: string, options: { json?: boolean }, command: Command) => {
      await clientFor(command, io).deleteRolePolicy(role, policy);
      if (options.json) printJson(io, { role, deleted: policy });
      else io.out(`role ${role}: inline policy ${policy} deleted\n`);
    });

  roles
    .command("attach")
    .description("attach a managed policy to a role")
    .argument("<role>", "role name")
    .argument("<policy>", "managed policy name or ARN")
    .option("--json", "print {attachedPolicies:[…]} as JSON")
    .action(async (role: string, policy: string, options: { json?: boolean }, command: Command) => {
      const attached = await clientFor(command, io).attachRolePolicy(role, policy);
      if (options.json) printJson(io, attached);
      else io.out(`role ${role}: attached ${attached.attachedPolicies.map((p) => p.name).join(", ")}\n`);
    });

  roles
    .command("detach")
    .description("detach a managed policy from a role")
    .argument("<role>", "role name")
    .argument("<policy>", "managed policy name or ARN")
    .option("--json", 'print {"role": ROLE, "detached": POLICY} as JSON')
    .action(async (role: string, policy: string, options: { json?: boolean }, command: Command) => {
      await clientFor(command, io).detachRolePolicy(role, policy);
      if (options.json) printJson(io, { role, detached: policy });
      else io.out(`role ${role}: detached ${policy}\n`);
    });
}

export function registerPoliciesCommand(program: Command, { io }: CliContext): void {
  const policies = program
    .command("policies")
    .description("manage IAM managed policies: documents roles attach by name");

  policies
    .command("list", { isDefault: true })
    .description("list managed policies")
    .option("--json", "print {policies:[…]} as JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await clientFor(command, io).managedPolicies();
      if (options.json) return printJson(io, list);
      if (list.policies.length === 0) {
        io.out("no managed policies; create one with `fawkes policies create NAME FILE`\n");
        return;
      }
      io.out(
        formatTable(
          ["name", "arn", "attached to", "created"],
          list.policies.map((p) => [p.name, p.arn, `${p.attachmentCount} role(s)`, ago(p.createdAt)]),
        ),
      );
    });

  policies
    .command("show")
    .description("show a managed policy and its document")
    .argument("<policy>", "policy name or ARN")
    .option("--json", "print the policy as JSON")
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      const policy = await clientFor(command, io).managedPolicy(name);
      if (options.json) return printJson(io, policy);
      io.out(
        [
          `policy ${policy.name}`,
          `  arn:          ${policy.arn}`,
          `  id:           ${policy.policyId}`,
          ...(policy.description ? [`  description:  ${policy.description}`] : []),
          `  attached to:  ${policy.attachmentCount} role(s)`,
          `  default:      ${policy.defaultVersionId} (\`fawkes policies versions ${policy.name}\` lists all)`,
          "document:",
          indent(JSON.stringify(policy.document, null, 2)),
          "",
        ].join("\n"),
      );
    });

  policies
    .command("create")
    .description("create a managed policy from an IAM policy document")
    .argument("<policy>", "policy name (letters, digits, _+=,.@-)")
    .argument("<file>", "IAM policy document (JSON file, - for stdin)")
    .option("--path <path>", 'IAM path, e.g. "/ci/"')
    .option("--description <text>", "what the policy is for")
    .option("--json", "print the policy as JSON")
    .action(
      async (
        name: string,
        file: string,
        options: { path?: string; description?: string; json?: boolean },
        command: Command,
      ) => {
        const policy = await clientFor(command, io).createManagedPolicy({
          name,
          document: readPolicy(file),
          ...(options.path !== undefined && { path: options.path }),
          ...(options.description !== undefined && { description: options.description }),
        });
        if (options.json) return printJson(io, policy);
        io.out(
          `created policy ${policy.arn}\n  attach it with \`fawkes roles attach ROLE ${policy.name}\`\n`,
        );
      },
    );

  policies
    .command("delete")
    .description("delete a managed policy (detach it from every role first)")
    .argument("<policy>", "policy name or ARN")
    .option("--json", 'print {"deleted": POLICY} as JSON')
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      await clientFor(command, io).deleteManagedPolicy(name);
      if (options.json) printJson(io, { deleted: name });
      else io.out(`deleted policy ${name}\n`);
    });

  registerVersionCommands(policies, io);
}

/** `fawkes policies versions|update|set-default|delete-version`: managed policy versions, as `aws iam` keeps them. */
function registerVersionCommands(policies: Command, io: CliContext["io"]): void {
  policies
    .command("versions")
    .description("list a managed policy's versions (at most five; the default is the one evaluated)")
    .argument("<policy>", "policy name or ARN")
    .option("--json", "print {versions:[…]} as JSON, with their documents")
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      const list = await clientFor(command, io).policyVersions(name);
      if (options.json) return printJson(io, list);
      io.out(
        formatTable(
          ["VERSION", "DEFAULT", "CREATED"],
          list.versions.map((v) => [v.versionId, v.isDefaultVersion ? "yes" : "", ago(v.createdAt)]),
        ),
      );
    });

  policies
    .command("update")
    .description("add a version with a new document, made the default unless --no-default (five at most)")
    .argument("<policy>", "policy name or ARN")
    .requiredOption("--document <file>", "IAM policy document (JSON file, - for stdin)")
    .option(
      "--no-default",
      "keep the current default version; set it later with `fawkes policies set-default`",
    )
    .option("--json", "print the new version as JSON")
    .action(
      async (
        name: string,
        options: { document: string; default: boolean; json?: boolean },
        command: Command,
      ) => {
        const version = await clientFor(command, io).createPolicyVersion(name, {
          document: readPolicy(options.document),
          setAsDefault: options.default,
        });
        if (options.json) return printJson(io, version);
        io.out(
          version.isDefaultVersion
            ? `policy ${name}: ${version.versionId} is the default version now
`
            : `policy ${name}: added ${version.versionId}; make it the default with \`fawkes policies set-default ${name} ${version.versionId}\`
`,
        );
      },
    );

  policies
    .command("set-default")
    .description("make a version the one evaluated, from the next request on")
    .argument("<policy>", "policy name or ARN")
    .argument("<version>", "version id, e.g. v2")
    .option("--json", "print the policy as JSON")
    .action(async (name: string, version: string, options: { json?: boolean }, command: Command) => {
      const policy = await clientFor(command, io).setDefaultPolicyVersion(name, version);
      if (options.json) return printJson(io, policy);
      io.out(`policy ${policy.name}: default version ${policy.defaultVersionId}
`);
    });

  policies
    .command("delete-version")
    .description("delete a version that is not the default")
    .argument("<policy>", "policy name or ARN")
    .argument("<version>", "version id, e.g. v2")
    .option("--json", 'print {"policy": POLICY, "deleted": VERSION} as JSON')
    .action(async (name: string, version: string, options: { json?: boolean }, command: Command) => {
      await clientFor(command, io).deletePolicyVersion(name, version);
      if (options.json) printJson(io, { policy: name, deleted: version });
      else
        io.out(`policy ${name}: deleted ${version}
`);
    });
}

function indent(text: string, spaces = 2): string {
  const pad = " ".repeat(spaces);
  return text
    .split("\n")
    .map((line) => pad + line)
    .join("\n");
}
