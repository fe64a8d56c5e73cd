/**
 * The shell blocks of a Markdown file (`sh` blocks, and bare blocks that start with a `$ ` prompt), for the
 * docs test that runs them. A block is marked by an HTML comment
 * on the line before its fence: `<!-- docs-test: illustrative -->` (not run: placeholders, real AWS, the test
 * suite itself) or `<!-- docs-test: start -->` (the start command: the test starts Fawkes as it does). In a block,
 * lines starting with `$ ` are commands and the lines after each are its expected output; a block without them
 * is one script.
 */
export type ShellBlockRole = "run" | "illustrative" | "start";

export interface ShellCommand {
  readonly command: string;
  /** Expected output lines; empty when the block shows none. */
  readonly expected: readonly string[];
}

export interface ShellBlock {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly role: ShellBlockRole;
  readonly text: string;
  /** Set when the block uses `$ ` prompts. */
  readonly commands?: readonly ShellCommand[];
}

/** `<!-- docs-test: illustrative -->`, optionally with a reason: `<!-- docs-test: illustrative (real AWS) -->`. */
const MARKER = /^<!--\s*docs-test:\s*(illustrative|start)\b[^>]*-->$/;

function promptCommands(lines: readonly string[]): ShellCommand[] | undefined {
  if (!lines.some((line) => line.startsWith("$ "))) return undefined;
  const commands: { command: string; expected: string[] }[] = [];
  for (const line of lines) {
    if (line.startsWith("$ ")) commands.push({ command: line.slice(2), expected: [] });
    else if (commands.length === 0) throw new Error(`output before the first "$ " command: ${line}`);
    else commands.at(-1)!.expected.push(line);
  }
  return commands;
}

export function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split("\n");
  const blocks: ShellBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    // `sh` blocks, and bare blocks that are transcripts (their first line a `$ ` prompt).
    const fence = /^(\s*)```(\S*)\s*$/.exec(lines[index]!);
    if (fence === null) continue;
    const transcript = fence[2] === "" && lines[index + 1]?.trimStart().startsWith("$ ") === true;
    if (fence[2] !== "sh" && !transcript) {
      while (++index < lines.length && !/^\s*```\s*$/.test(lines[index]!));
      continue;
    }
    const indent = fence[1]!.length;
    const body: string[] = [];
    let end = index + 1;
    for (; end < lines.length && !/^\s*```\s*$/.test(lines[end]!); end++)
      body.push(lines[end]!.slice(indent));
    if (end === lines.length) throw new Error(`line ${index + 1}: the sh block never ends`);
    let previous = index - 1;
    while (previous >= 0 && lines[previous]!.trim() === "") previous--;
    const marker = previous >= 0 ? MARKER.exec(lines[previous]!.trim()) : null;
    const commands = promptCommands(body);
    blocks.push({
      line: index + 1,
      role: (marker?.[1] as ShellBlockRole | undefined) ?? "run",
      text: body.join("\n"),
      ...(commands === undefined ? {} : { commands }),
    });
    index = end;
  }
  return blocks;
}

/**
 * Output compared without what differs between runs: numbers (counters, ports, times, addresses), ids and
 * tokens, and runs of spaces (column widths follow the values).
 */
export function normalizeOutput(line: string): string {
  return (
    line
      .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, "ID")
      .replace(/\b[0-9a-f]{7,}\b/g, "ID")
      // AWS-style ids (`AROA…`, `AKIA…`) and CloudFormation's generated name suffixes.
      .replace(/\b[A-Z0-9]{12,}\b/g, "ID")
      // Tokens and secrets: long, with digits and letters of both cases (not a path or a name).
      .replace(/[A-Za-z0-9_+/-]{24,}=*/g, (token) =>
        /\d/.test(token) && /[a-z]/.test(token) && /[A-Z]/.test(token) ? "ID" : token,
      )
      .replace(/\d+/g, "N")
      .replace(/\s+/g, " ")
      .trim()
  );
}
