/** Runs the `fawkes` command line (loaded by main.ts once the compile cache is on). */
import { fileURLToPath } from "node:url";
import { processIo } from "./io.ts";
import { runCli, type RegisterCommand } from "./program.ts";

// The agent is a long-running process on every build host: it loads only its own command (no API client).
const commands: readonly RegisterCommand[] =
  process.argv[2] === "agent"
    ? [(await import("./commands/agent.ts")).registerAgentCommand]
    : (await import("./commands/all.ts")).allCommands;

process.exitCode = await runCli(
  process.argv.slice(2),
  { io: processIo(), mainScript: fileURLToPath(new URL("./main.ts", import.meta.url)) },
  commands,
);
