// Property-based: whatever the text or the structure, the engine answers with a value or a TemplateValidationError
// (never a TypeError, a stack overflow or a hang), and whatever validates also plans and evaluates that way.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  dependencyGraph,
  evaluateConditions,
  intrinsicFunctions,
  localResourceTypes,
  parseTemplate,
  resolveParameters,
  resolveValue,
  TemplateValidationError,
  validateTemplate,
} from "../../src/stacks/template/index.ts";
import { context, pseudo } from "./support.ts";

const runs = Number(process.env.FAWKES_FUZZ_RUNS ?? 300);
const seed = Number(process.env.FAWKES_FUZZ_SEED ?? 20261207);

/** Runs `step`; a TemplateValidationError is an answer, anything else thrown fails the property. */
function answers<T>(step: () => T): T | undefined {
  try {
    return step();
  } catch (error) {
    if (error instanceof TemplateValidationError) return undefined;
    throw error;
  }
}

const names = fc.constantFrom(
  "A",
  "B",
  "C",
  "P",
  "IsProd",
  "M",
  "AWS::Region",
  "AWS::NoValue",
  "A.Arn",
  "B.PublicIp",
);
const functionNames = fc.constantFrom<string>(...intrinsicFunctions, "Fn::Cidr");
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    names,
    fc.constantFrom("${A}", "${!A}", "x-${P}-${B.PublicIp}", "", "1", 0, 2, true, null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(functionNames, names), tie("value"), { maxKeys: 2 }),
    functionNames.chain((name) => tie("value").map((args) => ({ [name]: args }))),
  ),
}));

const resource = fc.record(
  {
    Type: fc.constantFrom("AWS::EC2::Instance", "AWS::EC2::EIP", "AWS::IAM::Role", "AWS::Nope::Nope", 3),
    Properties: fc.dictionary(fc.constantFrom("X", "Y", "RoleName", "Domain"), value, { maxKeys: 3 }),
    DependsOn: fc.oneof(names, fc.array(names, { maxLength: 2 }), value),
    Condition: fc.oneof(names, value),
    DeletionPolicy: fc.constantFrom("Delete", "Retain", "Snapshot"),
    CreationPolicy: value,
  },
  { requiredKeys: ["Type"] },
);

const templateBody = fc.record(
  {
    AWSTemplateFormatVersion: fc.constantFrom("2010-09-09", "x"),
    Parameters: fc.dictionary(
      fc.constantFrom("P", "Q"),
      fc.record(
        {
          Type: fc.constantFrom("String", "Number", "CommaDelimitedList", "List<Number>", "Bogus"),
          Default: fc.oneof(fc.constantFrom("1", "a,b", ""), value),
          AllowedValues: fc.oneof(fc.array(fc.constantFrom("1", "a")), value),
          AllowedPattern: fc.constantFrom("[0-9]+", "(", ".*"),
          MinLength: fc.oneof(fc.nat(3), value),
          NoEcho: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
    ),
    Mappings: fc.oneof(fc.constant({ M: { "us-east-1": { K: "v" } } }), value),
    Conditions: fc.dictionary(fc.constantFrom("IsProd", "C"), value, { maxKeys: 2 }),
    Resources: fc.dictionary(fc.constantFrom("A", "B", "C", "D"), resource, { minKeys: 1, maxKeys: 4 }),
    Outputs: fc.dictionary(
      fc.constantFrom("O", "P"),
      fc.record({ Value: value, Export: value }, { requiredKeys: [] }),
    ),
  },
  { requiredKeys: ["Resources"] },
);

/** Templates that mostly validate: resources of known types referencing each other in well-formed ways. */
const plausibleValue = fc.oneof(
  fc.constantFrom("x", "${AWS::StackName}-${!Literal}"),
  fc.constantFrom("A", "B", "C", "P").map((name) => ({ Ref: name })),
  fc.constantFrom("A", "B", "C").map((name) => ({ "Fn::GetAtt": [name, "PublicIp"] })),
  fc.constantFrom("A", "B", "C").map((name) => ({ "Fn::Sub": `\${${name}.PrivateIp}-\${P}` })),
  fc.constant({ "Fn::If": ["IsProd", { Ref: "A" }, { Ref: "AWS::NoValue" }] }),
  fc.constant({ "Fn::Select": [0, { "Fn::GetAZs": "" }] }),
);
const plausible = fc
  .dictionary(
    fc.constantFrom("A", "B", "C", "D", "E"),
    fc.record(
      {
        Type: fc.constant("AWS::EC2::Instance"),
        Properties: fc.dictionary(fc.constantFrom("X", "Y"), plausibleValue, { maxKeys: 2 }),
        DependsOn: fc.array(fc.constantFrom("A", "B", "C"), { maxLength: 2 }),
        Condition: fc.constant("IsProd"),
      },
      { requiredKeys: ["Type"] },
    ),
    { minKeys: 1, maxKeys: 5 },
  )
  .map((resources) => ({
    Parameters: { P: { Type: "String" } },
    Conditions: { IsProd: { "Fn::Equals": [{ Ref: "P" }, "1"] } },
    Resources: resources,
  }));

test("generated templates: validation, planning and evaluation answer or refuse cleanly", () => {
  let validated = 0;
  fc.assert(
    fc.property(fc.oneof(templateBody, plausible), fc.constantFrom("json", "yaml"), (body, format) => {
      const text = format === "json" ? JSON.stringify(body) : `# yaml\n${JSON.stringify(body)}`;
      const t = answers(() => parseTemplate(text, "fuzz"));
      if (t === undefined) return;
      if (answers(() => validateTemplate(t, localResourceTypes)) === undefined) return;
      validated++;
      const parameters = answers(() => resolveParameters(t, { P: "1", Q: "1" }));
      if (parameters === undefined) return;
      const conditions = answers(() => evaluateConditions(t, { parameters: parameters.values, pseudo }));
      if (conditions === undefined) return;
      try {
        dependencyGraph(t, conditions);
      } catch (error) {
        assert.ok(error instanceof TemplateValidationError, String(error));
        assert.doesNotMatch(error.message, /Circular/, "a template that validates has no cycle");
      }
      const ctx = context({
        parameters: parameters.values,
        conditions,
        mappings: t.body.Mappings ?? {},
        template: t,
      });
      for (const [name, definition] of Object.entries(t.body.Resources ?? {}))
        answers(() => resolveValue(definition.Properties, ctx, `Resources.${name}.Properties`));
    }),
    { numRuns: runs, seed },
  );
  assert.ok(validated > 0, "some generated templates validate");
});

test("generated text: parsing answers or refuses cleanly", () => {
  const fragments = fc.constantFrom(
    "Resources:",
    "  A: !Ref",
    " !GetAtt a.b",
    "{",
    "}",
    "[",
    "]",
    '"',
    "&a ",
    "*a",
    "<<: ",
    "- ",
    "\n",
    "\t",
    ": ",
    "!Sub [x, {}]",
    "Type: AWS::EC2::EIP",
    "---",
    "\\u0000",
  );
  fc.assert(
    fc.property(fc.array(fc.oneof(fragments, fc.string({ maxLength: 5 })), { maxLength: 40 }), (parts) => {
      const t = answers(() => parseTemplate(parts.join(""), "fuzz"));
      if (t !== undefined) answers(() => validateTemplate(t, localResourceTypes));
    }),
    { numRuns: runs, seed },
  );
});
