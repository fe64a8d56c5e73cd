/** Runs the `fawkes` command line (loaded by main.ts once the compile cache is on). */
import { fileURLToPath } from "node:url";
import { processIo } from "./io.ts";
import { runCli } from "./program.ts";

process.exitCode = await runCli(process.argv.slice(2), {
  io: processIo(),
  mainScript: fileURLToPath(new URL("./main.ts", import.meta.url)),
});
