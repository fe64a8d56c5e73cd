// Policy validation: the grammar of IAM JSON policies (IAM user guide, "IAM JSON policy element reference" and
// "Grammar of the IAM JSON policy language"), with a JSON path on every issue.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { formatPolicyIssues, parsePolicy, parsePolicyOrThrow } from "../../src/iam/index.ts";
import type { PolicyKind } from "../../src/iam/index.ts";

const base = { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" };
const doc = (statement: unknown, extra: Record<string, unknown> = {}) => ({
  Version: "2012-10-17",
  Statement: statement,
  ...extra,
});

const invalid: { name: string; input: unknown; kind?: PolicyKind; issue: string }[] = [
  { name: "not JSON", input: "{", issue: "not valid JSON" },
  { name: "not an object", input: "[]", issue: "a policy must be a JSON object" },
  {
    name: "unknown version",
    input: doc(base, { Version: "2012-10-18" }),
    issue: 'Version: must be "2012-10-17" or "2008-10-17"',
  },
  {
    name: "unknown top-level element",
    input: doc(base, { Statements: [] }),
    issue: "Statements: unknown policy element",
  },
  { name: "missing Statement", input: { Version: "2012-10-17" }, issue: "Statement: is required" },
  {
    name: "empty Statement array",
    input: doc([]),
    issue: "Statement: must be a statement object or a non-empty array",
  },
  {
    name: "bad Effect",
    input: doc([base, { ...base, Effect: "allow" }]),
    issue: "Statement[1].Effect: must be Allow or Deny",
  },
  {
    name: "missing Effect",
    input: doc({ Action: "s3:*", Resource: "*" }),
    issue: "Statement.Effect: is required",
  },
  {
    name: "Action and NotAction",
    input: doc([{ ...base, NotAction: "s3:PutObject" }]),
    issue: "Statement[0].NotAction: cannot be used together with Action",
  },
  {
    name: "no Action",
    input: doc([{ Effect: "Allow", Resource: "*" }]),
    issue: "Statement[0]: must contain Action or NotAction",
  },
  {
    name: "malformed action",
    input: doc([{ ...base, Action: ["s3:GetObject", "s3GetObject"] }]),
    issue: 'Statement[0].Action[1]: "s3GetObject" is not an action',
  },
  {
    name: "action not a string",
    input: doc([{ ...base, Action: ["s3:GetObject", 7] }]),
    issue: "Statement[0].Action[1]: must be a string",
  },
  {
    name: "no Resource in an identity policy",
    input: doc([{ Effect: "Allow", Action: "s3:*" }]),
    issue: "Statement[0]: must contain Resource or NotResource",
  },
  {
    name: "resource not an ARN",
    input: doc([{ ...base, Resource: "bucket/key" }]),
    issue: 'Statement[0].Resource[0]: "bucket/key" is not an ARN',
  },
  {
    name: "variable before the resource part",
    input: doc([{ ...base, Resource: "arn:aws:s3:${aws:region}::b" }]),
    issue: "only in the resource part",
  },
  {
    name: "unknown statement element",
    input: doc([{ ...base, Conditions: {} }]),
    issue: "Statement[0].Conditions: unknown statement element",
  },
  {
    name: "duplicate Sid",
    input: doc([
      { ...base, Sid: "A" },
      { ...base, Sid: "A" },
    ]),
    issue: 'Statement[1].Sid: duplicate Sid "A"',
  },
  {
    name: "unknown condition operator",
    input: doc([{ ...base, Condition: { StringEqualz: { "s3:prefix": "a" } } }]),
    issue: "Statement[0].Condition.StringEqualz: unknown condition operator",
  },
  {
    name: "unknown set qualifier",
    input: doc([{ ...base, Condition: { "ForSomeValues:StringLike": { "s3:prefix": "a" } } }]),
    issue: "unknown condition operator",
  },
  {
    name: "NullIfExists",
    input: doc([{ ...base, Condition: { NullIfExists: { "s3:prefix": "true" } } }]),
    issue: "Null cannot take IfExists",
  },
  {
    name: "bad CIDR",
    input: doc([{ ...base, Condition: { IpAddress: { "aws:SourceIp": ["10.0.0.0/8", "10.0.0.0/40"] } } }]),
    issue: "Statement[0].Condition.IpAddress.aws:SourceIp[1]: must be an IPv4 or IPv6",
  },
  {
    name: "bad number",
    input: doc([{ ...base, Condition: { NumericLessThan: { "s3:max-keys": "ten" } } }]),
    issue: "Statement[0].Condition.NumericLessThan.s3:max-keys: must be a number",
  },
  {
    name: "bad date",
    input: doc([{ ...base, Condition: { DateLessThan: { "aws:CurrentTime": "soon" } } }]),
    issue: "must be an ISO 8601 date",
  },
  {
    name: "bad Bool",
    input: doc([{ ...base, Condition: { Bool: { "aws:SecureTransport": "yes" } } }]),
    issue: 'must be "true" or "false"',
  },
  {
    name: "empty condition values",
    input: doc([{ ...base, Condition: { StringEquals: { "s3:prefix": [] } } }]),
    issue: "must be a string, number or boolean",
  },
  {
    name: "condition block not an object",
    input: doc([{ ...base, Condition: { StringEquals: "x" } }]),
    issue: "must be a non-empty object of condition key",
  },
  {
    name: "Principal in an identity policy",
    kind: "identity",
    input: doc([{ ...base, Principal: "*" }]),
    issue: "Statement[0].Principal: is not allowed in an identity policy",
  },
  {
    name: "no Principal in a bucket policy",
    kind: "resource",
    input: doc([base]),
    issue: "Statement[0]: must contain Principal or NotPrincipal",
  },
  {
    name: "unknown principal type",
    kind: "resource",
    input: doc([{ ...base, Principal: { User: "alice" } }]),
    issue: "Statement[0].Principal.User: unknown principal type",
  },
  {
    name: "principal not an ARN",
    kind: "resource",
    input: doc([{ ...base, Principal: { AWS: ["alice"] } }]),
    issue: 'Statement[0].Principal.AWS[0]: "alice" is not an account id',
  },
  {
    name: "partial wildcard principal",
    kind: "resource",
    input: doc([{ ...base, Principal: { AWS: "arn:aws:iam::111122223333:user/*" } }]),
    issue: "wildcards are not allowed in principals",
  },
];

for (const row of invalid) {
  test(`invalid policy: ${row.name}`, () => {
    const result = parsePolicy(row.input, row.kind === undefined ? {} : { kind: row.kind });
    assert.equal(result.policy, undefined);
    const text = formatPolicyIssues(result.issues);
    assert.ok(text.includes(row.issue), `expected "${row.issue}" in:\n${text}`);
  });
}

test("a valid policy is normalised: single values become lists, JSON scalars strings", () => {
  const { policy, issues } = parsePolicy(
    JSON.stringify({
      Version: "2012-10-17",
      Id: "p1",
      Statement: {
        Sid: "S",
        Effect: "Deny",
        Principal: { AWS: "111122223333", Service: ["s3.amazonaws.com"] },
        NotAction: "s3:Get*",
        NotResource: "arn:aws:s3:::b/*",
        Condition: {
          "ForAnyValue:NumericLessThanIfExists": { "s3:max-keys": 10 },
          Bool: { "aws:SecureTransport": false },
        },
      },
    }),
    { kind: "resource" },
  );
  assert.deepEqual(issues, []);
  assert.deepEqual(policy, {
    version: "2012-10-17",
    id: "p1",
    statements: [
      {
        sid: "S",
        effect: "Deny",
        principal: {
          any: false,
          aws: ["111122223333"],
          service: ["s3.amazonaws.com"],
          federated: [],
          canonicalUser: [],
        },
        notAction: ["s3:Get*"],
        notResource: ["arn:aws:s3:::b/*"],
        condition: [
          {
            operator: "ForAnyValue:NumericLessThanIfExists",
            base: "NumericLessThan",
            qualifier: "ForAnyValue",
            ifExists: true,
            key: "s3:max-keys",
            values: ["10"],
          },
          { operator: "Bool", base: "Bool", ifExists: false, key: "aws:SecureTransport", values: ["false"] },
        ],
      },
    ],
  });
});

test("Version defaults to 2008-10-17 and trust policies need no Resource", () => {
  const { policy, issues } = parsePolicy(
    {
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    },
    { kind: "trust" },
  );
  assert.deepEqual(issues, []);
  assert.equal(policy?.version, "2008-10-17");
});

test("every issue is reported, not just the first", () => {
  const { issues } = parsePolicy(doc([{ Effect: "Maybe", Action: "nope", Resource: "nope" }]));
  assert.deepEqual(
    issues.map((i) => i.path),
    ["Statement[0].Effect", "Statement[0].Action[0]", "Statement[0].Resource[0]"],
  );
});

test("parsePolicyOrThrow raises FAWKES_VALIDATION_FAILED with the issues", () => {
  assert.throws(
    () => parsePolicyOrThrow(doc([{ ...base, Effect: "Perhaps" }])),
    (error: unknown) =>
      error instanceof FawkesError &&
      error.code === ErrorCode.validation &&
      error.status === 400 &&
      error.errors?.[0]?.path === "Statement[0].Effect",
  );
  assert.equal(parsePolicyOrThrow(doc(base)).statements.length, 1);
});
