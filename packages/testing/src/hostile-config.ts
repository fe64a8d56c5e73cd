/**
 * Hostile pipeline config files, shared by the config-hostile test (what is reported) and the bench (how fast the
 * API answers while they are parsed): one just under the size limit, one over it, an alias bomb, 10,000 levels
 * of nesting, beside a valid pipeline added in the same commit.
 */

/** A small valid pipeline named `name`. */
export const steadyPipeline = (name: string): string => `format_version: 10
pipelines:
  ${name}:
    materials: {code: {git: "https://example.com/code.git"}}
    stages: [{build: {jobs: {compile: {tasks: [{exec: {command: make}}]}}}}]
`;

/** An environment with as many variables as fit in `bytes` (a valid file, and a large one). */
export function hugeMapping(bytes: number): string {
  const lines = ["environments:\n  big:\n    environment_variables:\n"];
  let size = lines[0]!.length;
  for (let i = 0; ; i++) {
    const line = `      VARIABLE_${i}: value-${i}\n`;
    if (size + line.length > bytes) break;
    lines.push(line);
    size += line.length;
  }
  return lines.join("");
}

/** Nine levels of ten aliases each: a billion "lol"s once expanded. */
export function aliasBomb(): string {
  const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let level = 1; level < 9; level++)
    lines.push(
      `a${level}: &a${level} [${Array(10)
        .fill(`*a${level - 1}`)
        .join(", ")}]`,
    );
  return lines.join("\n") + "\n";
}

/**
 * The files of the hostile commit for a server whose size limit is `limit` bytes: `under`, `over`, `bomb` and
 * `deep` (three of them errors), and the valid pipeline `added`.
 */
export function hostileConfigFiles(limit: number): Record<string, string> {
  return {
    "under.gocd.yaml": hugeMapping(limit - 16),
    "over.gocd.yaml": hugeMapping(limit + 4096),
    "bomb.gocd.yaml": aliasBomb(),
    "deep.gocd.yaml": `environments: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`,
    "added.gocd.yaml": steadyPipeline("added"),
  };
}
