#!/bin/sh
//bin/true; r=$(readlink -f -- "$0") && n="${r%/*}/../../../node_modules/node/bin/node" && [ -x "$n" ] && exec "$n" "${r%/*}/../src/main.ts" "$@"; exec node "$r" "$@"
// Launcher for the `fawkes` command, a shell script and JavaScript at once. As a shell script (how `npx fawkes`,
// `node_modules/.bin/fawkes` and an `npm link`ed `fawkes` run it) the line above starts the CLI at once with the
// Node 24 that the `node` npm package installed beside Fawkes, whatever `node` is on PATH: one process start
// instead of two. Without that package it runs this file with the `node` on PATH, as JavaScript (the line above is
// then a comment; for the shell it starts with /bin/true):
// the CLI is TypeScript that Node ≥ 24 runs directly; on an older Node (e.g. a distribution's Node 20 on PATH)
// re-exec with the Node 24 binary from the `node` npm package in node_modules, passing stdio, signals and the exit
// code through. Plain JavaScript on purpose: it must run on any Node.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const main = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "main.ts");
const major = Number(process.versions.node.split(".")[0]);

if (major >= 24) {
  await import(main);
} else {
  let node;
  try {
    node = createRequire(import.meta.url).resolve("node/bin/node");
  } catch {
    // The `node` package's install script downloads its Node: missing after `--ignore-scripts`, or when an npm
    // that runs only approved install scripts (allowScripts in package.json) did not run it.
    process.stderr.write(
      `fawkes: needs Node.js 24 or newer (this is ${process.version}) and the Node 24 of the \`node\` npm package is missing\n` +
        "run `npm install` in the Fawkes checkout (if npm skipped the `node` package's install script, approve it in " +
        "package.json's allowScripts and run `npm rebuild node`), or put Node 24 on PATH\n",
    );
    process.exit(1);
  }
  const child = spawn(node, [main, ...process.argv.slice(2)], { stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"]) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("error", (error) => {
    process.stderr.write(`fawkes: cannot start ${node}: ${error.message}\n`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal !== null) {
      // Die of the same signal so our parent sees what the child saw.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
}
