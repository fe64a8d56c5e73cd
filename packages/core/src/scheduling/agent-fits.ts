/**
 * Which agent may run which job: GoCD's matching rule over resources and environments. Pure: the server maps
 * its agent records and the live config to these inputs.
 */

/** What the dispatch rules need to know of an agent. */
export interface SchedulingAgent {
  name: string;
  configState: "pending" | "enabled" | "disabled";
  resources: readonly string[];
  /** Environments the agent was registered into (the config's environments may add more by name). */
  environments: readonly string[];
}

/** What the dispatch rules need to know of a job: the resources an agent must have. */
export interface JobNeeds {
  resources: readonly string[];
}

/** An environment of the config, as far as matching goes: the agents it names. */
export interface EnvironmentMembers {
  name: string;
  agents: readonly string[];
}

/**
 * True when `agent` has every resource `job` needs and sits in the run's environment. As in GoCD, an agent in
 * some environment runs only that environment's pipelines, and a pipeline in an environment runs only on its
 * agents; a pipeline outside every environment (`environment` null) runs only on agents outside every one.
 */
export function agentFits(
  agent: SchedulingAgent,
  job: JobNeeds,
  environment: string | null,
  environments: readonly EnvironmentMembers[],
): boolean {
  if (!job.resources.every((resource) => agent.resources.includes(resource))) return false;
  const agentEnvironments = new Set(agent.environments);
  for (const env of environments) if (env.agents.includes(agent.name)) agentEnvironments.add(env.name);
  return environment === null ? agentEnvironments.size === 0 : agentEnvironments.has(environment);
}
