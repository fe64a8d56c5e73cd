/** Runs the `fawkes` command line (loaded by main.ts once the compile cache is on). */
import { fileURLToPath } from "node:url";
import { processIo } from "./io.ts";
import { runCli, type RegisterCommand } from "./program.ts";

/**
 * The long-running commands load only their own code: every module a process loads stays in its heap for good
 * (the other commands, the API client and its progress views cost the server ~1 MB), and both the server and
 * the agent on every build host have a memory budget.
 */
const longRunning: Record<string, () => Promise<RegisterCommand>> = {
  agent: async () => (await import("./commands/agent.ts")).registerAgentCommand,
  server: async () => (await import("./commands/server.ts")).registerServerCommand,
  up: async () => (await import("./commands/up.ts")).registerUpCommand,
};

const first = process.argv[2] ?? "";
const only = Object.hasOwn(longRunning, first) ? longRunning[first] : undefined;
// `fawkes --version` needs no command at all.
const commands: readonly RegisterCommand[] =
  first === "--version" || first === "-V"
    ? []
    : only
      ? [await only()]
      : (await import("./commands/all.ts")).allCommands;

process.exitCode = await runCli(
  process.argv.slice(2),
  { io: processIo(), mainScript: fileURLToPath(new URL("./main.ts", import.meta.url)) },
  commands,
);
