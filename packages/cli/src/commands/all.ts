/** Every `fawkes` command, in the order `--help` lists them. */
import type { RegisterCommand } from "../program.ts";
import { registerAgentCommand } from "./agent.ts";
import { registerAgentsCommand } from "./agents.ts";
import { registerApproveCommand } from "./approve.ts";
import { registerAuditCommand } from "./audit.ts";
import { registerCancelCommand } from "./cancel.ts";
import { registerCredentialsCommand } from "./credentials.ts";
import { registerDbCommand } from "./db.ts";
import { registerIdTokenCommand } from "./id-token.ts";
import { registerLoginCommand } from "./login.ts";
import { registerLogsCommand } from "./logs.ts";
import { registerNotifyCommand } from "./notify.ts";
import { registerOidcCommand } from "./oidc.ts";
import { registerPauseCommand, registerUnpauseCommand } from "./pause.ts";
import { registerRerunCommand } from "./rerun.ts";
import { registerPoliciesCommand, registerRolesCommand } from "./roles.ts";
import { registerInstancesCommand } from "./instances/index.ts";
import { registerS3Command } from "./s3/index.ts";
import { registerServerCommand } from "./server.ts";
import { registerSignalCommand } from "./signal.ts";
import { registerStackCommand } from "./stack/index.ts";
import { registerStatusCommand } from "./status.ts";
import { registerTokenCommand } from "./token.ts";
import { registerTokensCommand } from "./tokens.ts";
import { registerTriggerCommand } from "./trigger.ts";
import { registerUpCommand } from "./up.ts";
import { registerUsersCommand } from "./users.ts";
import { registerValidateCommand } from "./validate.ts";

export const allCommands: readonly RegisterCommand[] = [
  registerUpCommand,
  registerServerCommand,
  registerDbCommand,
  registerAgentCommand,
  registerValidateCommand,
  registerTriggerCommand,
  registerStatusCommand,
  registerLogsCommand,
  registerPauseCommand,
  registerUnpauseCommand,
  registerApproveCommand,
  registerCancelCommand,
  registerRerunCommand,
  registerAgentsCommand,
  registerNotifyCommand,
  registerCredentialsCommand,
  registerRolesCommand,
  registerPoliciesCommand,
  registerTokenCommand,
  registerAuditCommand,
  registerLoginCommand,
  registerTokensCommand,
  registerUsersCommand,
  registerS3Command,
  registerStackCommand,
  registerInstancesCommand,
  registerOidcCommand,
  registerIdTokenCommand,
  registerSignalCommand,
];
