/** The CloudFormation template engine: pure functions over a template's text, no storage and no providers. */
export { maxTemplateDepth, maxTemplateLength, parseTemplate } from "./parse.ts";
export { TemplateValidationError, childPath, positionOf } from "./model.ts";
export type {
  OutputDefinition,
  ParameterDefinition,
  ParsedTemplate,
  ResourceDefinition,
  SourcePosition,
  TemplateBody,
  TemplateError,
} from "./model.ts";
export { validateTemplate } from "./validate.ts";
export type { TemplateParameterSummary, TemplateSummary } from "./validate.ts";
export { resolveParameters } from "./parameters.ts";
export type { ResolvedParameters, ResolveParametersOptions } from "./parameters.ts";
export { evaluateConditions, resourcesInScope } from "./conditions.ts";
export type { ConditionContext } from "./conditions.ts";
export { dependencyGraph, referencesOf } from "./graph.ts";
export type { DependencyGraph, Reference } from "./graph.ts";
export { pseudoParameterNames, resolveValue } from "./resolve.ts";
export type { EvalContext, ParameterValue, PseudoParameters } from "./resolve.ts";
export { intrinsicFunctions } from "./intrinsics.ts";
export { localResourceTypes, resourceTypeRegistry } from "./resource-types.ts";
export type { Capability, ResourceTypeRegistry, ResourceTypeSpec } from "./resource-types.ts";
export { deletionPolicies, signalTimeoutMs } from "./resource-attributes.ts";
export { outputs } from "./outputs.ts";
export type { StackOutput } from "./outputs.ts";
