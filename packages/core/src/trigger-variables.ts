/**
 * Which variables a manual trigger may set, as GoCD decides it: only a variable the pipeline declares, at the
 * level of its environment, the pipeline, any stage or any job (plain or secure). Anything else is refused, so
 * that a trigger cannot put `PATH`, `LD_PRELOAD` or `NODE_OPTIONS` into a job (code execution on the agent).
 * A variable declared secure at any level stays secure when a trigger overrides it.
 */
import type { EnvironmentConfig, PipelineConfig, Variable } from "./config/model.ts";

/** A variable a trigger may override. */
export interface OverridableVariable {
  name: string;
  /** Declared secure at some level: a value given at trigger time is secret too. */
  secure: boolean;
  /**
   * The declared value when every level that declares the variable declares the same plain value; null when it
   * is secure (never exposed) or when levels declare different values.
   */
  value: string | null;
}

export type TriggerVariablesPipeline = Pick<PipelineConfig, "environmentVariables" | "stages">;
export type TriggerVariablesEnvironment = Pick<EnvironmentConfig, "environmentVariables"> | null | undefined;

/** What the variables of one trigger request resolve to. */
export interface TriggerVariablesResult {
  /** The declared ones, each secure when any level declares it secure. */
  variables: Variable[];
  /** Names no level declares, sorted: a trigger that has any is refused. */
  undeclared: string[];
}

/** Every variable a trigger of this pipeline may override, sorted by name. */
export function overridableVariables(
  pipeline: TriggerVariablesPipeline,
  environment?: TriggerVariablesEnvironment,
): OverridableVariable[] {
  const declarations = new Map<string, Variable[]>();
  for (const variable of declaredVariables(pipeline, environment)) {
    const list = declarations.get(variable.name);
    if (list) list.push(variable);
    else declarations.set(variable.name, [variable]);
  }
  return [...declarations.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, list]) => {
      const secure = list.some((variable) => variable.secure);
      const values = new Set(list.map((variable) => variable.value));
      const value = !secure && values.size === 1 ? list[0]!.value : null;
      return { name, secure, value };
    });
}

/**
 * Sorts the variables of a trigger request into declared ones (names match exactly, as environment variables
 * do on Linux), with their secure flag, and undeclared names. Used when a trigger arrives (refused if any is
 * undeclared) and again when a job is built (a run stored before this rule keeps only its declared ones).
 */
export function resolveTriggerVariables(
  pipeline: TriggerVariablesPipeline,
  environment: TriggerVariablesEnvironment,
  requested: Readonly<Record<string, string>>,
): TriggerVariablesResult {
  const declared = new Map(overridableVariables(pipeline, environment).map((v) => [v.name, v]));
  const undeclared: string[] = [];
  const variables: Variable[] = [];
  for (const [name, value] of Object.entries(requested)) {
    const found = declared.get(name);
    if (found) variables.push({ name, value, secure: found.secure });
    else undeclared.push(name);
  }
  return { variables, undeclared: undeclared.sort() };
}

/** The message for a refused trigger: names each undeclared variable and says what to do. */
export function undeclaredVariablesMessage(pipeline: string, undeclared: readonly string[]): string {
  const names = undeclared.map((name) => `"${name}"`).join(", ");
  const subject = undeclared.length === 1 ? `variable ${names} is` : `variables ${names} are`;
  return (
    `${subject} not declared by pipeline ${pipeline}: a trigger may only override variables the pipeline ` +
    `declares; declare it under environment_variables (or secure_variables) of the pipeline, a stage or a job`
  );
}

function* declaredVariables(
  pipeline: TriggerVariablesPipeline,
  environment: TriggerVariablesEnvironment,
): Generator<Variable> {
  yield* environment?.environmentVariables ?? [];
  yield* pipeline.environmentVariables;
  for (const stage of pipeline.stages) {
    yield* stage.environmentVariables;
    for (const job of stage.jobs) yield* job.environmentVariables;
  }
}
