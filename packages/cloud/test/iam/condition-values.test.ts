// Condition values: ARN and binary operators, policy variables in values, and the CIDR and date parsers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDateValue } from "../../src/iam/dates.ts";
import { cidrContains, parseCidr, parseIp } from "../../src/iam/ip.ts";
import { ACCOUNT, decisionTable, policy, user } from "./support.ts";

const allowWhen = (condition: unknown, resource = "*", action = "s3:*") =>
  policy({
    Version: "2012-10-17",
    Statement: { Effect: "Allow", Action: action, Resource: resource, Condition: condition },
  });
const obj = "arn:aws:s3:::b/k";

// IAM user guide, "Condition operators" (ARN condition operators): StringLike lets * span colons, ArnLike does not.
const arnPattern = "arn:aws:someservice:*:111122223333:finance/*";
const crossing = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
decisionTable(
  "StringLike spans colons",
  { identityPolicies: [allowWhen({ StringLike: { "aws:SourceArn": arnPattern } })] },
  [
    {
      name: "matches",
      action: "s3:GetObject",
      resource: obj,
      context: { "aws:SourceArn": crossing },
      expect: "Allow",
    },
  ],
);
decisionTable(
  "ArnLike matches segment by segment",
  { identityPolicies: [allowWhen({ ArnLike: { "aws:SourceArn": arnPattern } })] },
  [
    {
      name: "does not match across segments",
      action: "s3:GetObject",
      resource: obj,
      context: { "aws:SourceArn": crossing },
      expect: "ImplicitDeny",
    },
    {
      name: "matches a proper ARN",
      action: "s3:GetObject",
      resource: obj,
      context: { "aws:SourceArn": "arn:aws:someservice:us-east-2:111122223333:finance/a/b" },
      expect: "Allow",
    },
  ],
);
decisionTable(
  "ArnNotEquals",
  {
    identityPolicies: [
      allowWhen({ ArnNotEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:user/bob` } }),
    ],
  },
  [
    {
      name: "alice (aws:PrincipalArn filled in from the principal)",
      action: "s3:GetObject",
      resource: obj,
      expect: "Allow",
    },
    { name: "bob", principal: user("bob"), action: "s3:GetObject", resource: obj, expect: "ImplicitDeny" },
  ],
);

// IAM user guide, "Condition operators" (Binary condition operators).
decisionTable(
  "BinaryEquals",
  { identityPolicies: [allowWhen({ BinaryEquals: { "custom:blob": "QmluYXJ5VmFsdWVJbkJhc2U2NA==" } })] },
  [
    {
      name: "same bytes",
      action: "s3:GetObject",
      resource: obj,
      context: { "custom:blob": "QmluYXJ5VmFsdWVJbkJhc2U2NA" },
      expect: "Allow",
    },
    {
      name: "other bytes",
      action: "s3:GetObject",
      resource: obj,
      context: { "custom:blob": "b3RoZXI=" },
      expect: "ImplicitDeny",
    },
  ],
);

// IAM user guide, "IAM policy elements: Variables and tags" (special characters, default values).
const specials = policy({
  Version: "2012-10-17",
  Statement: [
    { Sid: "Literal", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/${*}${?}${$}" },
    {
      Sid: "Default",
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: "*",
      Condition: { StringEquals: { "s3:prefix": "uploads/${aws:userid, 'anonymous'}/" } },
    },
  ],
});
decisionTable("policy variable escapes and defaults", { identityPolicies: [specials] }, [
  {
    name: "${*}${?}${$} are literal characters",
    action: "s3:GetObject",
    resource: "arn:aws:s3:::b/*?$",
    expect: "Allow",
  },
  {
    name: "and not wildcards",
    action: "s3:GetObject",
    resource: "arn:aws:s3:::b/xy$",
    expect: "ImplicitDeny",
  },
  {
    name: "default used when the key is absent",
    action: "s3:PutObject",
    resource: obj,
    context: { "s3:prefix": "uploads/anonymous/" },
    expect: "Allow",
  },
  {
    name: "value used when present",
    action: "s3:PutObject",
    resource: obj,
    context: { "aws:userid": "AIDA123", "s3:prefix": "uploads/AIDA123/" },
    expect: "Allow",
  },
  {
    name: "a multi-valued key cannot be a variable",
    action: "s3:PutObject",
    resource: obj,
    context: { "aws:userid": ["A", "B"], "s3:prefix": "uploads/A/" },
    expect: "ImplicitDeny",
  },
]);

test("CIDR ranges: IPv4, IPv6, defaults and families", () => {
  const contains = (range: string, address: string) => {
    const cidr = parseCidr(range);
    const ip = parseIp(address);
    assert.ok(cidr && ip, `${range} / ${address}`);
    return cidrContains(cidr, ip);
  };
  assert.equal(contains("203.0.113.0/24", "203.0.113.255"), true);
  assert.equal(contains("203.0.113.0/24", "203.0.114.0"), false);
  assert.equal(contains("203.0.113.7", "203.0.113.7"), true, "a bare address is /32");
  assert.equal(contains("203.0.113.7", "203.0.113.8"), false);
  assert.equal(contains("0.0.0.0/0", "198.51.100.1"), true);
  assert.equal(contains("2001:DB8::/32", "2001:db8:ffff::1"), true);
  assert.equal(contains("2001:DB8::/32", "2001:db9::1"), false);
  assert.equal(contains("::1", "::1"), true);
  assert.equal(contains("0.0.0.0/0", "2001:db8::1"), false, "families never mix");
  assert.equal(contains("127.0.0.0/8", "::ffff:127.0.0.1"), true, "IPv4-mapped IPv6 is IPv4");
  for (const bad of [
    "300.1.1.1",
    "1.2.3",
    "1.2.3.4/33",
    "2001:db8::/129",
    "1:2:3:4:5:6:7:8:9",
    "::1::",
    "x",
  ]) {
    assert.equal(parseCidr(bad), undefined, bad);
  }
});

test("dates: W3C ISO 8601 profiles and epoch seconds", () => {
  const utc = Date.UTC(2020, 3, 1);
  assert.equal(parseDateValue("2020-04-01T00:00:00Z"), utc);
  assert.equal(parseDateValue("2020-04-01"), utc);
  assert.equal(parseDateValue("2020-04"), utc);
  assert.equal(parseDateValue("2020"), Date.UTC(2020, 0, 1), "four digits are a year, not epoch seconds");
  assert.equal(parseDateValue("2020-04-01T02:00+02:00"), utc);
  assert.equal(parseDateValue("2020-04-01T00:00:00.5Z"), utc + 500);
  assert.equal(parseDateValue("1585699200"), utc);
  assert.equal(parseDateValue("2020-02-30"), undefined);
  assert.equal(parseDateValue("yesterday"), undefined);
});
