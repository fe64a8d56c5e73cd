import type { EnvVar } from "@fawkes/protocol";

/**
 * The environment of every task: the agent's own environment minus its FAWKES_* settings (they may hold
 * the registration key), then the job's fully resolved variables on top.
 */
export function taskEnvironment(jobEnvironment: EnvVar[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("FAWKES_")) env[name] = value;
  }
  for (const variable of jobEnvironment) env[variable.name] = variable.value;
  return env;
}

export function secretValues(jobEnvironment: EnvVar[]): string[] {
  return jobEnvironment
    .filter((variable) => variable.secure && variable.value.length > 0)
    .map((v) => v.value);
}
