/**
 * Pipeline run labels, as GoCD's `label_template`: `${COUNT}`, `${material}`, `${material[:8]}` (first 8
 * characters of the revision), `${env:VAR}` (GoCD 19+). Parameters (`#{name}`) are substituted by the config
 * parser before the template gets here. Material names match case-insensitively, as in GoCD.
 */
import { didYouMean } from "./config/did-you-mean.ts";

export interface LabelInput {
  /** The pipeline counter of this run. */
  count: number;
  /** Revision per material name: a git commit, or for a dependency material the upstream run's label. */
  revisions: Record<string, string>;
  /** Environment variables of the run, for `${env:VAR}`. */
  env: Record<string, string>;
}

const tokenPattern = /\$\{([^}]*)\}/g;
const referencePattern = /^([A-Za-z0-9_.-]+)(?:\[:(\d+)\])?$/;
const envPattern = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;
/** Characters GoCD allows in the literal parts of a label template. */
const literalPattern = /^[A-Za-z0-9_\-.!~*'()#:]*$/;

export function renderLabel(template: string, input: LabelInput): string {
  const revisions = new Map(
    Object.entries(input.revisions).map(([name, revision]) => [name.toLowerCase(), revision]),
  );
  return template.replace(tokenPattern, (token, body: string) => {
    if (body === "COUNT") return String(input.count);
    const env = envPattern.exec(body);
    if (env) return input.env[env[1]!] ?? "";
    const reference = referencePattern.exec(body);
    const revision = reference ? revisions.get(reference[1]!.toLowerCase()) : undefined;
    if (reference === null || revision === undefined) return token;
    return reference[2] === undefined ? revision : revision.slice(0, Number(reference[2]));
  });
}

/** Problems with a label template for a pipeline with these material names; empty when valid. */
export function validateLabelTemplate(template: string, materialNames: readonly string[]): string[] {
  const errors: string[] = [];
  const known = new Map(materialNames.map((name) => [name.toLowerCase(), name]));
  let tokens = 0;
  let literal = "";
  let last = 0;
  for (const match of template.matchAll(tokenPattern)) {
    tokens++;
    literal += template.slice(last, match.index);
    last = match.index + match[0].length;
    const body = match[1]!;
    if (body === "COUNT" || envPattern.test(body)) continue;
    const reference = referencePattern.exec(body);
    if (reference === null) {
      errors.push(`label_template has an invalid reference "${match[0]}"`);
    } else if (!known.has(reference[1]!.toLowerCase())) {
      errors.push(
        `label_template refers to unknown material "${reference[1]}"${didYouMean(reference[1]!, ["COUNT", ...materialNames])}`,
      );
    } else if (reference[2] !== undefined && Number(reference[2]) === 0) {
      errors.push(`label_template truncates "${reference[1]}" to 0 characters`);
    }
  }
  literal += template.slice(last);
  if (tokens === 0)
    errors.push("label_template must contain ${COUNT} or a material revision such as ${my_git}");
  if (literal.includes("${")) errors.push('label_template has an unclosed "${"');
  else if (!literalPattern.test(literal)) {
    errors.push("label_template may contain only letters, digits and _ - . ! ~ * ' ( ) # : outside ${...}");
  }
  return errors;
}
