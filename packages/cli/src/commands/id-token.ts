/**
 * `fawkes id-token --audience X`, run by a task inside a job: prints an OIDC ID token of that job. It asks the
 * job's agent over the job socket (`$FAWKES_JOB_SOCKET`), so it needs no server URL and no API token; the agent
 * gets the token with the job's lease and masks it in the job's console before answering.
 */
import { connect } from "node:net";
import { ErrorCode } from "@fawkes/protocol/constants";
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { printJson } from "../output.ts";

const JOB_SOCKET_VARIABLE = "FAWKES_JOB_SOCKET";

/** One request over the job socket: write it, half-close, read the JSON answer. */
function askAgent(socketPath: string, request: object, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`no answer from the agent in ${timeoutMs} ms`)),
    );
    socket.on("connect", () => socket.end(JSON.stringify(request)));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch (cause) {
        reject(new Error("the agent's answer is not JSON", { cause }));
      }
    });
  });
}

export function registerIdTokenCommand(program: Command, { io }: CliContext): void {
  program
    .command("id-token")
    .description("inside a job: print an OIDC ID token of the job for an audience (asks the job's agent)")
    .requiredOption("--audience <aud>", "the token's aud claim (who will verify it, e.g. sts.amazonaws.com)")
    .option("--json", "print {token, expiresAt} as JSON")
    .action(async (options: { audience: string; json?: boolean }) => {
      if (options.audience.length === 0 || options.audience.length > 255)
        throw new CliError("--audience must be 1-255 characters", { code: ErrorCode.badRequest });
      const socketPath = io.env[JOB_SOCKET_VARIABLE];
      if (!socketPath)
        throw new CliError(`${JOB_SOCKET_VARIABLE} is not set: fawkes id-token works only inside a job`, {
          code: ErrorCode.badRequest,
          hint: "run it from a task of a job; outside a job there is no job to issue a token for",
        });
      let answer: unknown;
      try {
        answer = await askAgent(socketPath, { op: "id-token", audience: options.audience }, 60_000);
      } catch (cause) {
        throw new CliError(`cannot reach the job's agent at ${socketPath}: ${(cause as Error).message}`, {
          code: ErrorCode.badGateway,
          hint: "the job socket exists only while its job runs",
          cause,
        });
      }
      const { token, expiresAt, error } = (answer ?? {}) as {
        token?: unknown;
        expiresAt?: unknown;
        error?: unknown;
      };
      if (typeof token !== "string" || typeof expiresAt !== "number")
        throw new CliError(
          `the agent refused: ${typeof error === "string" ? error : "no token in its answer"}`,
          {
            code: ErrorCode.badGateway,
          },
        );
      if (options.json) printJson(io, { token, expiresAt });
      else io.out(`${token}\n`);
    });
}
