// Helpers for the IAM table tests: parse documented example policies, build principals, run decision tables.
import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluate, parsePolicy } from "../../src/iam/index.ts";
import type {
  ContextValue,
  Decision,
  EvaluateOptions,
  Policy,
  PolicyKind,
  RequestPrincipal,
} from "../../src/iam/index.ts";

export const ACCOUNT = "111122223333";
export const OTHER_ACCOUNT = "444455556666";

/** Parses a policy that must be valid. */
export function policy(document: unknown, kind?: PolicyKind): Policy {
  const result = parsePolicy(document, kind === undefined ? {} : { kind });
  assert.deepEqual(result.issues, []);
  assert.ok(result.policy);
  return result.policy;
}

export function user(name: string, account = ACCOUNT): RequestPrincipal {
  return { arn: `arn:aws:iam::${account}:user/${name}`, account, type: "User" };
}

export const anonymous: RequestPrincipal = { arn: "", type: "Anonymous" };

export interface Case {
  name: string;
  action: string;
  resource: string;
  expect: Decision;
  principal?: RequestPrincipal;
  context?: Record<string, ContextValue>;
  /** Sids of the statements expected to apply (statements without a Sid are not listed), when checked. */
  sids?: string[];
}

/** One test per row, named `title: row`. */
export function decisionTable(
  title: string,
  options: EvaluateOptions,
  cases: Case[],
  defaultPrincipal: RequestPrincipal = user("alice"),
): void {
  for (const row of cases) {
    test(`${title}: ${row.name}`, () => {
      const result = evaluate(
        {
          principal: row.principal ?? defaultPrincipal,
          action: row.action,
          resource: row.resource,
          context: row.context ?? {},
        },
        options,
      );
      assert.equal(result.decision, row.expect);
      if (row.sids) {
        assert.deepEqual(
          result.matchedStatements.flatMap((m) => (m.sid === undefined ? [] : [m.sid])),
          row.sids,
        );
      }
    });
  }
}
