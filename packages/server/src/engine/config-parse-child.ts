/**
 * Entry of the config parsing process (started by config-parser.ts): parses config files away from the server's
 * event loop. Says which file it is at as it goes, so that a parse stopped for taking too long (or a crash) can
 * be blamed on a file. Exits when the server goes away.
 */
import { parseConfigFiles } from "@fawkes/core";
import type { ParseReply, ParseRequest } from "./config-parser.ts";

const reply = (message: ParseReply): void => {
  process.send?.(message);
};

process.on("message", (request: ParseRequest) => {
  reply({ id: request.id, kind: "started" });
  try {
    const snapshot = parseConfigFiles(request.files, {
      maxFileBytes: request.maxFileBytes,
      onFile: (path) => reply({ id: request.id, kind: "file", path }),
    });
    reply({ id: request.id, kind: "done", snapshot });
  } catch (error) {
    reply({
      id: request.id,
      kind: "failed",
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
process.on("disconnect", () => process.exit(0));
reply({ id: 0, kind: "ready" });
