// Helpers for the template engine's tests: a template from text, an evaluation context with fake callbacks.
import assert from "node:assert/strict";
import {
  localResourceTypes,
  parseTemplate,
  TemplateValidationError,
  validateTemplate,
} from "../../src/stacks/template/index.ts";
import type {
  EvalContext,
  ParsedTemplate,
  PseudoParameters,
  TemplateError,
} from "../../src/stacks/template/index.ts";

export const pseudo: PseudoParameters = {
  stackName: "s1",
  stackId: "arn:aws:cloudformation:us-east-1:000000000000:stack/s1/11111111-2222-3333-4444-555555555555",
  region: "us-east-1",
  accountId: "000000000000",
  partition: "aws",
  urlSuffix: "amazonaws.com",
  notificationArns: [],
};

/** A context whose resources answer `phys-NAME` to Ref and `NAME.ATTR` to GetAtt. */
export function context(overrides: Partial<EvalContext> = {}): EvalContext {
  return {
    parameters: {},
    pseudo,
    conditions: new Map(),
    mappings: {},
    ref: (name) => `phys-${name}`,
    getAtt: (name, attribute) => `${name}.${attribute}`,
    importValue: (name) => `imported-${name}`,
    azs: (region) => [`${region}a`, `${region}b`],
    ...overrides,
  };
}

/** The errors `run` throws as a TemplateValidationError (fails if it throws nothing or something else). */
export function errorsOf(run: () => unknown): readonly TemplateError[] {
  try {
    run();
  } catch (error) {
    assert.ok(
      error instanceof TemplateValidationError,
      `expected a TemplateValidationError, got ${String(error)}`,
    );
    return error.errors;
  }
  assert.fail("expected a TemplateValidationError");
}

/** Asserts one of `errors` matches `message` (a substring or pattern), optionally at `path` and `line`. */
export function assertError(
  errors: readonly TemplateError[],
  message: string | RegExp,
  where: { path?: string; line?: number; column?: number } = {},
): TemplateError {
  const found = errors.find(
    (error) =>
      (typeof message === "string" ? error.message.includes(message) : message.test(error.message)) &&
      (where.path === undefined || error.path === where.path) &&
      (where.line === undefined || error.line === where.line) &&
      (where.column === undefined || error.column === where.column),
  );
  assert.ok(
    found,
    `no error ${String(message)} ${JSON.stringify(where)} among ${JSON.stringify(errors, null, 1)}`,
  );
  return found;
}

export const yaml = (text: string): ParsedTemplate => parseTemplate(text, "t.yaml");
export const json = (value: unknown): ParsedTemplate =>
  parseTemplate(JSON.stringify(value, null, 2), "t.json");

/** A minimal valid template with these resources (and other sections). */
export function template(
  resources: Record<string, unknown>,
  sections: Record<string, unknown> = {},
): ParsedTemplate {
  return json({ AWSTemplateFormatVersion: "2010-09-09", ...sections, Resources: resources });
}

export const validationErrors = (t: ParsedTemplate) =>
  errorsOf(() => validateTemplate(t, localResourceTypes));

export const handle = { Type: "AWS::CloudFormation::WaitConditionHandle" };
