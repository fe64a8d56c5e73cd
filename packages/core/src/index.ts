export type * from "./config/model.ts";
export * from "./runs/job-state.ts";
export { edgesOf, nextState, transition } from "./runs/state-machine.ts";
export type { EventOf, StateMachine, StateOf } from "./runs/state-machine.ts";
export {
  agentMachine,
  decisionEvent,
  jobMachine,
  reportEvent,
  runMachine,
  runStateOf,
  stageMachine,
} from "./runs/machines.ts";
export type { AgentConfigState, RunState } from "./runs/machines.ts";
export {
  addressMachine,
  instanceMachine,
  resourceMachine,
  sessionMachine,
  settledStackStatuses,
  stackMachine,
} from "./cloud/machines.ts";
export type {
  AddressState,
  InstanceState,
  ResourceStatus,
  SessionState,
  StackStatus,
} from "./cloud/machines.ts";
export { defaultConfigMaxBytes, oversizedFileIssue, parseConfigFiles } from "./config/parse-config-files.ts";
export type { ConfigFileInput, ParseConfigOptions } from "./config/parse-config-files.ts";
export { deepFreeze } from "./config/deep-freeze.ts";
export { formatIssue } from "./config/format-issue.ts";
export { gocdConfigJsonSchema } from "./config/json-schema.ts";
export { renderLabel, validateLabelTemplate } from "./label.ts";
export type { LabelInput } from "./label.ts";
export { buildJobEnvironment, materialVariableSuffix, stripCredentials } from "./environment.ts";
export type { JobEnvironmentInput, JobEnvironmentVariable, MaterialRevisionInput } from "./environment.ts";
export {
  overridableVariables,
  resolveTriggerVariables,
  undeclaredVariablesMessage,
} from "./trigger-variables.ts";
export type {
  OverridableVariable,
  TriggerVariablesEnvironment,
  TriggerVariablesPipeline,
  TriggerVariablesResult,
} from "./trigger-variables.ts";
export { agentFits } from "./scheduling/agent-fits.ts";
export type { EnvironmentMembers, JobNeeds, SchedulingAgent } from "./scheduling/agent-fits.ts";
export { agentState } from "./scheduling/agent-state.ts";
export type { AgentStateInput } from "./scheduling/agent-state.ts";
export { waitingReason } from "./scheduling/waiting-reason.ts";
export type { WaitingAgent, WaitingJob, WaitingReasonInput } from "./scheduling/waiting-reason.ts";
export { jobInstanceNames } from "./scheduling/job-instances.ts";
export type { InstancedJob } from "./scheduling/job-instances.ts";
export { agreesWith, chooseUpstreams, fanInOrder, mergeAncestry } from "./scheduling/fan-in.ts";
export type { Ancestry, UpstreamChoice, UpstreamSource } from "./scheduling/fan-in.ts";
