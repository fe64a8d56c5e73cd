/**
 * Reading a password: from stdin when piped (`--password-stdin`, one line), or typed at a terminal without echo.
 */
import { createInterface } from "node:readline";
import { CliError } from "./errors.ts";

/** The first line of stdin (without its newline). */
export async function readStdinLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return "";
}

/** Asks on the terminal (stderr), echoing nothing when `hidden`. */
export async function ask(question: string, hidden: boolean): Promise<string> {
  if (!process.stdin.isTTY)
    throw new CliError("no terminal to ask on", {
      hint: "pass the user with --user and the password on stdin with --password-stdin",
    });
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput(text: string): void };
  const write = output._writeToOutput.bind(rl);
  let asked = false;
  // Echo the question, then nothing of what is typed.
  output._writeToOutput = (text: string) => {
    if (!hidden || !asked) write(text);
  };
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => resolve(answer));
      asked = true;
    });
  } finally {
    if (hidden) process.stderr.write("\n");
    rl.close();
  }
}
