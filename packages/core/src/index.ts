export type * from "./config/model.ts";
export * from "./runs/job-state.ts";
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
