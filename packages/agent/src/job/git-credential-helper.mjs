// The credential helper a job's workspace names in its `.git/config` (`credential.helper`), run by git as
// `node git-credential-helper.mjs SOCKET ACTION` when a task's `git fetch`/`git push` needs credentials. It
// hands git's request to the agent over the job's credential socket and prints the answer. After the job the
// socket is gone and it prints nothing: git then has no credentials.
//
// Plain JavaScript with nothing but node:net, so no TypeScript stripping or module graph slows its start
// (~40 ms, paid only when git actually asks for credentials: never for a public repository, never for the
// agent's own checkout, which gets them from its memory through the environment of that git process).
// Node rather than a shell script: a shell cannot talk to a Unix socket without socat or nc, which a build
// host may not have.
import { connect } from "node:net";

const [socketPath, action] = process.argv.slice(2);
if (action !== "get" || socketPath === undefined) process.exit(0);

const input = [];
process.stdin.on("data", (chunk) => input.push(chunk));
process.stdin.on("end", () => {
  const socket = connect(socketPath);
  const answer = [];
  socket.on("connect", () => socket.end(Buffer.concat(input)));
  socket.on("data", (chunk) => answer.push(chunk));
  socket.on("end", () => process.stdout.write(Buffer.concat(answer)));
  // No agent, no job: no credentials (git goes on without them).
  socket.on("error", () => process.exit(0));
});
