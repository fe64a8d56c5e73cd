#!/usr/bin/env node
/** Entry point of the `fawkes` command: `node packages/cli/src/main.ts <command>` (Node ≥ 24; bin/fawkes.js re-execs). */
import { fileURLToPath } from "node:url";
import { processIo } from "./io.ts";
import { runCli } from "./program.ts";

process.exitCode = await runCli(process.argv.slice(2), {
  io: processIo(),
  mainScript: fileURLToPath(import.meta.url),
});
