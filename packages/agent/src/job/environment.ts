import type { EnvVar } from "@fawkes/protocol";
import { withMetadataEndpoint } from "@fawkes/protocol/imds";

/**
 * The environment of every task: the agent's own environment minus its FAWKES_* settings (they may hold
 * the registration key), the job's metadata endpoint (AWS_EC2_METADATA_SERVICE_ENDPOINT; an inherited
 * AWS_EC2_METADATA_DISABLED is dropped, so the AWS clients in the job find its role's credentials there), then
 * the job's fully resolved variables on top (a job that sets AWS_EC2_METADATA_* itself keeps its own).
 */
export function taskEnvironment(jobEnvironment: EnvVar[], metadataUrl: string): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("FAWKES_")) inherited[name] = value;
  }
  const env = withMetadataEndpoint(inherited, metadataUrl);
  for (const variable of jobEnvironment) env[variable.name] = variable.value;
  return env;
}

export function secretValues(jobEnvironment: EnvVar[]): string[] {
  return jobEnvironment
    .filter((variable) => variable.secure && variable.value.length > 0)
    .map((v) => v.value);
}
