/**
 * Structure checks of a parsed template, all problems collected, and the summary AWS's ValidateTemplate returns.
 */
import { cycleMessage, dependsOnList, directDependencies, findCycle, referencesOf } from "./graph.ts";
import { intrinsicOf, shapeError, walkIntrinsics } from "./intrinsics.ts";
import { childPath, ErrorCollector, isRecord } from "./model.ts";
import type { ParsedTemplate } from "./model.ts";
import { compilePattern, isNoEcho, parameterType } from "./parameters.ts";
import { pseudoParameterNames } from "./resolve.ts";
import type { Capability, ResourceTypeRegistry } from "./resource-types.ts";
import { checkResourceAttributes } from "./resource-attributes.ts";

export interface TemplateParameterSummary {
  ParameterKey: string;
  DefaultValue?: string;
  NoEcho: boolean;
  Description?: string;
}

export interface TemplateSummary {
  Description?: string;
  Parameters: TemplateParameterSummary[];
  /** The capability the template needs (`CAPABILITY_NAMED_IAM` covers `CAPABILITY_IAM`); empty when none. */
  Capabilities: Capability[];
  CapabilitiesReason?: string;
}

const logicalName = /^[A-Za-z0-9]+$/;
/** AWS's quotas per template. */
export const sectionLimits: Readonly<Record<string, number>> = {
  Resources: 500,
  Parameters: 200,
  Outputs: 200,
  Mappings: 200,
};
const parameterKeys = new Set([
  "Type",
  "Default",
  "AllowedValues",
  "AllowedPattern",
  "MinLength",
  "MaxLength",
  "MinValue",
  "MaxValue",
  "ConstraintDescription",
  "Description",
  "NoEcho",
]);
const outputKeys = new Set(["Value", "Description", "Condition", "Export"]);

export function validateTemplate(t: ParsedTemplate, types: ResourceTypeRegistry): TemplateSummary {
  const errors = new ErrorCollector(t);
  const body = t.body;
  if (body.AWSTemplateFormatVersion !== undefined && body.AWSTemplateFormatVersion !== "2010-09-09")
    errors.add(
      "AWSTemplateFormatVersion",
      `AWSTemplateFormatVersion ${JSON.stringify(body.AWSTemplateFormatVersion)} is not supported (only "2010-09-09")`,
    );
  if (body.Description !== undefined && typeof body.Description !== "string")
    errors.add("Description", "Description must be a string");
  if (body.Transform !== undefined)
    errors.add("Transform", "Transform (macros, AWS::Serverless) is not supported");
  if (body.Rules !== undefined) errors.add("Rules", "Rules are not supported");

  const parameters = body.Parameters ?? {};
  const resources = body.Resources ?? {};
  const conditions = body.Conditions ?? {};
  const mappings = body.Mappings ?? {};
  const pseudo = new Set<string>(pseudoParameterNames);

  for (const [section, limit] of Object.entries(sectionLimits)) {
    const count = Object.keys((body as Record<string, object | undefined>)[section] ?? {}).length;
    if (count > limit)
      errors.add(section, `a template has at most ${limit} ${section} (this one has ${count})`);
  }
  checkParameters(parameters, errors);
  checkMappings(mappings, errors);
  for (const name of Object.keys(parameters))
    if (Object.hasOwn(resources, name))
      errors.add(childPath("Resources", name), `${name} is both a parameter and a resource`);

  // Conditions: condition functions over parameters, pseudo-parameters and mappings.
  const conditionGraph = new Map<string, Set<string>>();
  for (const [name, definition] of Object.entries(conditions)) {
    const path = childPath("Conditions", name);
    const deps = new Set<string>();
    conditionGraph.set(name, deps);
    const top = intrinsicOf(definition, true);
    if (top === undefined || !["Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition"].includes(top.name))
      errors.add(path, `condition ${name} must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition`);
    for (const event of walkIntrinsics(definition, path, true)) {
      if (event.kind === "invalid") {
        errors.add(event.path, event.message);
        continue;
      }
      const { call, path: at } = event;
      const shape = shapeError(call);
      if (shape !== undefined) errors.add(at, shape);
      else if (call.name === "Condition") {
        const target = call.args as string;
        if (!Object.hasOwn(conditions, target)) errors.add(at, `Condition ${target} is not defined`);
        deps.add(target);
      } else if (call.name === "Ref") {
        const target = call.args as string;
        if (!Object.hasOwn(parameters, target) && !pseudo.has(target))
          errors.add(at, `Ref ${target} in a condition must name a parameter or pseudo-parameter`);
      } else if (["Fn::GetAtt", "Fn::If", "Fn::Sub", "Fn::ImportValue", "Fn::GetAZs"].includes(call.name))
        errors.add(at, `${call.name} cannot be used in a condition`);
      else if (call.name === "Fn::FindInMap") checkMapName(call.args, at, mappings, errors);
    }
  }
  const conditionCycle = findCycle(conditionGraph);
  if (conditionCycle !== undefined)
    errors.add(
      childPath("Conditions", conditionCycle[0]!),
      `Circular condition: ${conditionCycle.join(" → ")}`,
    );

  const known = (name: string) =>
    Object.hasOwn(parameters, name) || Object.hasOwn(resources, name) || pseudo.has(name);
  const checkValue = (value: unknown, path: string): void => {
    for (const event of walkIntrinsics(value, path)) {
      if (event.kind === "invalid") errors.add(event.path, event.message);
      else {
        const shape = shapeError(event.call);
        if (shape !== undefined) errors.add(event.path, shape);
        else if (event.call.name === "Fn::If") {
          const name = (event.call.args as string[])[0]!;
          if (!Object.hasOwn(conditions, name))
            errors.add(childPath(event.path, "Fn::If"), `Condition ${name} is not defined`);
        } else if (event.call.name === "Fn::FindInMap")
          checkMapName(event.call.args, event.path, mappings, errors);
      }
    }
    for (const ref of referencesOf(value, path)) {
      if (ref.kind === "Ref" || (ref.kind === "Fn::Sub" && ref.attribute === undefined)) {
        if (!known(ref.target))
          errors.add(ref.path, `Unresolved resource dependencies [${ref.target}] in ${ref.kind}`);
        continue;
      }
      const resource = Object.hasOwn(resources, ref.target) ? resources[ref.target] : undefined;
      if (!isRecord(resource)) {
        errors.add(ref.path, `${ref.kind} references undefined resource ${ref.target}`);
        continue;
      }
      const spec = typeof resource.Type === "string" ? types.get(resource.Type) : undefined;
      if (spec !== undefined && !spec.attributes.includes(ref.attribute!))
        errors.add(
          ref.path,
          `resource ${ref.target} (${spec.type}) does not support attribute type ${ref.attribute} in ${ref.kind}` +
            (spec.attributes.length > 0 ? ` (it offers ${spec.attributes.join(", ")})` : ""),
        );
    }
  };

  // Resources.
  const capabilities = new Map<string, Capability>();
  if (Object.keys(resources).length === 0) errors.add("Resources", "a template needs at least one resource");
  for (const [name, resource, path] of objectEntries(resources, "Resources", "resource", errors)) {
    checkResourceAttributes(name, resource, path, errors, conditions, types);
    if (typeof resource.Type !== "string") continue;
    const spec = types.get(resource.Type);
    if (spec === undefined)
      errors.add(childPath(path, "Type"), `Unrecognized resource types: [${resource.Type}]`);
    for (const dep of dependsOnList(resource.DependsOn))
      if (!Object.hasOwn(resources, dep))
        errors.add(childPath(path, "DependsOn"), `DependsOn names undefined resource ${dep}`);
    const props = isRecord(resource.Properties) ? resource.Properties : {};
    checkValue(resource.Properties, childPath(path, "Properties"));
    if (spec === undefined) continue;
    for (const required of spec.requiredProperties)
      if (props[required] === undefined)
        errors.add(
          childPath(path, "Properties"),
          `resource ${name} (${spec.type}) needs property ${required}`,
        );
    for (const problem of spec.validate?.(props) ?? [])
      errors.add(childPath(path, "Properties"), `${name}: ${problem}`);
    const capability = spec.capability?.(props);
    if (capability !== undefined) capabilities.set(spec.type, capability);
  }
  const graph = directDependencies(
    resources,
    new Set(Object.keys(resources).filter((n) => isRecord(resources[n]))),
  );
  const cycle = findCycle(graph);
  if (cycle !== undefined) errors.add(childPath("Resources", cycle[0]!), cycleMessage(cycle));

  // Outputs.
  const exports = new Map<string, string>();
  for (const [name, output, path] of objectEntries(body.Outputs ?? {}, "Outputs", "output", errors)) {
    for (const key of Object.keys(output))
      if (!outputKeys.has(key)) errors.add(childPath(path, key), `Invalid output property ${key}`);
    if (output.Value === undefined) errors.add(path, `output ${name} must have a Value`);
    else checkValue(output.Value, childPath(path, "Value"));
    if (output.Description !== undefined && typeof output.Description !== "string")
      errors.add(childPath(path, "Description"), "an output's Description must be a string");
    if (output.Condition !== undefined && !Object.hasOwn(conditions, String(output.Condition)))
      errors.add(childPath(path, "Condition"), `Condition ${String(output.Condition)} is not defined`);
    if (output.Export === undefined) continue;
    const exportPath = childPath(path, "Export");
    if (!isRecord(output.Export) || Object.keys(output.Export).join() !== "Name") {
      errors.add(exportPath, "Export must be {Name: value}");
      continue;
    }
    checkValue(output.Export.Name, childPath(exportPath, "Name"));
    const key = JSON.stringify(output.Export.Name);
    const other = exports.get(key);
    if (other !== undefined)
      errors.add(exportPath, `duplicate Export name ${key} (also exported by output ${other})`);
    else exports.set(key, name);
  }

  errors.throwIfAny();
  const needed = [...capabilities.values()];
  const capability: Capability | undefined = needed.includes("CAPABILITY_NAMED_IAM")
    ? "CAPABILITY_NAMED_IAM"
    : needed[0];
  return {
    ...(body.Description === undefined ? {} : { Description: body.Description }),
    Parameters: Object.entries(parameters).map(([key, definition]) => ({
      ParameterKey: key,
      ...(definition.Default === undefined ? {} : { DefaultValue: String(definition.Default as string) }),
      NoEcho: isNoEcho(definition),
      ...(definition.Description === undefined ? {} : { Description: definition.Description }),
    })),
    Capabilities: capability === undefined ? [] : [capability],
    ...(capability === undefined
      ? {}
      : {
          CapabilitiesReason: `The following resource(s) require capabilities: [${[...capabilities.keys()].sort().join(", ")}]`,
        }),
  };
}

function checkParameters(parameters: Record<string, unknown>, errors: ErrorCollector): void {
  for (const [name, definition, path] of objectEntries(parameters, "Parameters", "parameter", errors)) {
    for (const key of Object.keys(definition))
      if (!parameterKeys.has(key))
        errors.add(childPath(path, key), `Invalid template parameter property '${key}'`);
    if (definition.Type === undefined) errors.add(path, `parameter ${name} must have a Type`);
    else if (parameterType(definition.Type) === undefined)
      errors.add(
        childPath(path, "Type"),
        `parameter ${name} has an unsupported Type ${String(definition.Type)}`,
      );
    if (definition.AllowedValues !== undefined && !Array.isArray(definition.AllowedValues))
      errors.add(childPath(path, "AllowedValues"), "AllowedValues must be a list");
    if (definition.AllowedPattern !== undefined)
      if (
        typeof definition.AllowedPattern !== "string" ||
        compilePattern(definition.AllowedPattern) === undefined
      )
        errors.add(childPath(path, "AllowedPattern"), "AllowedPattern must be a valid regular expression");
    for (const key of ["MinLength", "MaxLength", "MinValue", "MaxValue"])
      if (definition[key] !== undefined && !Number.isFinite(Number(definition[key])))
        errors.add(childPath(path, key), `${key} must be a number`);
  }
}

function checkMappings(mappings: Record<string, unknown>, errors: ErrorCollector): void {
  for (const [name, mapping] of Object.entries(mappings)) {
    const path = childPath("Mappings", name);
    if (!isRecord(mapping) || !Object.values(mapping).every(isRecord))
      errors.add(path, `mapping ${name} must be an object of objects (Mappings.Map.TopKey.SecondKey)`);
  }
}

function checkMapName(
  args: unknown,
  path: string,
  mappings: Record<string, unknown>,
  errors: ErrorCollector,
): void {
  const name = (args as unknown[])[0];
  if (typeof name === "string" && !Object.hasOwn(mappings, name))
    errors.add(childPath(path, "Fn::FindInMap"), `Fn::FindInMap names undefined mapping ${name}`);
}

/** The entries of a section whose names are alphanumeric and whose values are objects; the others are errors. */
function objectEntries(
  section: Record<string, unknown>,
  sectionName: string,
  what: string,
  errors: ErrorCollector,
): [string, Record<string, unknown>, string][] {
  const entries: [string, Record<string, unknown>, string][] = [];
  for (const [name, value] of Object.entries(section)) {
    const path = childPath(sectionName, name);
    if (!logicalName.test(name)) errors.add(path, `${what} name ${name} must be alphanumeric (A-Za-z0-9)`);
    if (isRecord(value)) entries.push([name, value, path]);
    else errors.add(path, `${what} ${name} must be an object`);
  }
  return entries;
}
