// Decision tables for the Condition element: dates, set qualifiers, IfExists, Null, missing keys, AND/OR rules.
import { ACCOUNT, decisionTable, policy, user } from "./support.ts";

const allowWhen = (condition: unknown, resource = "*", action = "s3:*") =>
  policy({
    Version: "2012-10-17",
    Statement: { Effect: "Allow", Action: action, Resource: resource, Condition: condition },
  });
const obj = "arn:aws:s3:::b/k";

// IAM user guide, "AWS: Allows access based on date and time" (DateGreaterThan / DateLessThan on aws:CurrentTime).
const window = allowWhen({
  DateGreaterThan: { "aws:CurrentTime": "2020-04-01T00:00:00Z" },
  DateLessThan: { "aws:CurrentTime": "2020-06-30T23:59:59Z" },
});
decisionTable(
  "date window on aws:CurrentTime (IAM user guide example)",
  { identityPolicies: [window], now: new Date("2020-05-15T12:00:00Z") },
  [
    { name: "inside, from the evaluator's clock", action: "s3:GetObject", resource: obj, expect: "Allow" },
    {
      name: "before",
      action: "s3:GetObject",
      resource: obj,
      context: { "aws:CurrentTime": "2020-03-31T23:59:59Z" },
      expect: "ImplicitDeny",
    },
    {
      name: "after, as a Date",
      action: "s3:GetObject",
      resource: obj,
      context: { "aws:CurrentTime": new Date("2020-07-01T00:00:00Z") },
      expect: "ImplicitDeny",
    },
    {
      name: "the upper bound is exclusive",
      action: "s3:GetObject",
      resource: obj,
      context: { "aws:CurrentTime": "2020-06-30T23:59:59Z" },
      expect: "ImplicitDeny",
    },
    {
      name: "with a zone offset",
      action: "s3:GetObject",
      resource: obj,
      context: { "aws:CurrentTime": "2020-07-01T01:00:00+02:00" },
      expect: "Allow",
    },
  ],
);
decisionTable(
  "epoch seconds (aws:EpochTime)",
  {
    identityPolicies: [allowWhen({ DateGreaterThanEquals: { "aws:EpochTime": "1585699200" } })],
    now: new Date("2020-04-01T00:00:00Z"),
  },
  [
    { name: "at the instant", action: "s3:GetObject", resource: obj, expect: "Allow" },
    {
      name: "one second before",
      action: "s3:GetObject",
      resource: obj,
      context: { "aws:EpochTime": 1585699199 },
      expect: "ImplicitDeny",
    },
  ],
);

// IAM user guide, "Creating a condition with multiple keys or values": the DynamoDB Thread table examples.
const thread = "arn:aws:dynamodb:us-east-1:111122223333:table/Thread";
const onlySomeAttributes = allowWhen(
  { "ForAllValues:StringLike": { "dynamodb:requestedAttributes": ["PostDateTime", "Message", "Tags"] } },
  thread,
  "dynamodb:GetItem",
);
decisionTable("ForAllValues (multi-value conditions example)", { identityPolicies: [onlySomeAttributes] }, [
  {
    name: "every attribute listed",
    action: "dynamodb:GetItem",
    resource: thread,
    context: { "dynamodb:requestedAttributes": ["PostDateTime", "Message"] },
    expect: "Allow",
  },
  {
    name: "one attribute not listed",
    action: "dynamodb:GetItem",
    resource: thread,
    context: { "dynamodb:requestedAttributes": ["PostDateTime", "UserName"] },
    expect: "ImplicitDeny",
  },
  {
    name: "empty set is vacuously true",
    action: "dynamodb:GetItem",
    resource: thread,
    context: { "dynamodb:requestedAttributes": [] },
    expect: "Allow",
  },
  { name: "missing key is vacuously true", action: "dynamodb:GetItem", resource: thread, expect: "Allow" },
]);
const denySomeAttributes = policy({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Action: "dynamodb:PutItem", Resource: thread },
    {
      Effect: "Deny",
      Action: "dynamodb:PutItem",
      Resource: thread,
      Condition: { "ForAnyValue:StringLike": { "dynamodb:requestedAttributes": ["ID", "PostDateTime"] } },
    },
  ],
});
decisionTable("ForAnyValue (multi-value conditions example)", { identityPolicies: [denySomeAttributes] }, [
  {
    name: "one forbidden attribute",
    action: "dynamodb:PutItem",
    resource: thread,
    context: { "dynamodb:requestedAttributes": ["UserName", "Message", "PostDateTime"] },
    expect: "ExplicitDeny",
  },
  {
    name: "no forbidden attribute",
    action: "dynamodb:PutItem",
    resource: thread,
    context: { "dynamodb:requestedAttributes": ["UserName"] },
    expect: "Allow",
  },
  {
    name: "missing key never matches ForAnyValue",
    action: "dynamodb:PutItem",
    resource: thread,
    expect: "Allow",
  },
]);
decisionTable(
  "ForAnyValue with a negated operator",
  { identityPolicies: [allowWhen({ "ForAnyValue:StringNotEquals": { "aws:TagKeys": ["env", "owner"] } })] },
  [
    {
      name: "some key outside the list",
      action: "s3:PutObjectTagging",
      resource: obj,
      context: { "aws:TagKeys": ["env", "cost"] },
      expect: "Allow",
    },
    {
      name: "all keys in the list",
      action: "s3:PutObjectTagging",
      resource: obj,
      context: { "aws:TagKeys": ["env", "owner"] },
      expect: "ImplicitDeny",
    },
  ],
);

// IAM user guide, "Condition operators" (…IfExists): the EC2 instance-type example, and IfExists on a present key.
const instanceTypes = allowWhen(
  { StringLikeIfExists: { "ec2:InstanceType": ["t1.*", "t2.*", "m3.*"] } },
  "*",
  "ec2:RunInstances",
);
const instanceTypesStrict = allowWhen(
  { StringLike: { "ec2:InstanceType": ["t1.*", "t2.*", "m3.*"] } },
  "*",
  "ec2:RunInstances",
);
const image = "arn:aws:ec2:us-east-1::image/ami-1";
const instance = `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/*`;
decisionTable("StringLikeIfExists (IAM user guide example)", { identityPolicies: [instanceTypes] }, [
  { name: "resource without the key", action: "ec2:RunInstances", resource: image, expect: "Allow" },
  {
    name: "allowed instance type",
    action: "ec2:RunInstances",
    resource: instance,
    context: { "ec2:InstanceType": "t2.micro" },
    expect: "Allow",
  },
  {
    name: "other instance type",
    action: "ec2:RunInstances",
    resource: instance,
    context: { "ec2:InstanceType": "c5.large" },
    expect: "ImplicitDeny",
  },
]);
decisionTable(
  "StringLike without IfExists (THISPOLICYDOESNOTWORK)",
  { identityPolicies: [instanceTypesStrict] },
  [
    {
      name: "resource without the key fails",
      action: "ec2:RunInstances",
      resource: image,
      expect: "ImplicitDeny",
    },
  ],
);

// IAM user guide, "Condition operators" (Null check): no temporary credentials.
decisionTable(
  "Null (IAM user guide example)",
  { identityPolicies: [allowWhen({ Null: { "aws:TokenIssueTime": "true" } }, "*", "ec2:*")] },
  [
    { name: "long-term credentials", action: "ec2:DescribeSubnets", resource: "*", expect: "Allow" },
    {
      name: "temporary credentials",
      action: "ec2:DescribeSubnets",
      resource: "*",
      context: { "aws:TokenIssueTime": "2024-01-01T00:00:00Z" },
      expect: "ImplicitDeny",
    },
  ],
);
decisionTable(
  "Null false requires the key",
  { identityPolicies: [allowWhen({ Null: { "s3:x-amz-acl": "false" } })] },
  [
    {
      name: "present",
      action: "s3:PutObject",
      resource: obj,
      context: { "s3:x-amz-acl": "private" },
      expect: "Allow",
    },
    { name: "absent", action: "s3:PutObject", resource: obj, expect: "ImplicitDeny" },
  ],
);

// IAM user guide, "Condition operators": a missing key makes an operator false, but a negated operator true.
decisionTable(
  "missing keys",
  { identityPolicies: [allowWhen({ StringNotEquals: { "s3:x-amz-acl": "public-read" } })] },
  [
    { name: "negated operator with the key absent", action: "s3:PutObject", resource: obj, expect: "Allow" },
    {
      name: "negated operator, forbidden value",
      action: "s3:PutObject",
      resource: obj,
      context: { "s3:x-amz-acl": "public-read" },
      expect: "ImplicitDeny",
    },
    {
      name: "negated operator, other value",
      action: "s3:PutObject",
      resource: obj,
      context: { "s3:x-amz-acl": "private" },
      expect: "Allow",
    },
  ],
);
decisionTable(
  "positive operator with the key absent",
  { identityPolicies: [allowWhen({ StringEquals: { "s3:x-amz-acl": "private" } })] },
  [
    { name: "absent", action: "s3:PutObject", resource: obj, expect: "ImplicitDeny" },
    {
      name: "values are case-sensitive",
      action: "s3:PutObject",
      resource: obj,
      context: { "s3:x-amz-acl": "Private" },
      expect: "ImplicitDeny",
    },
    {
      name: "key names are case-insensitive",
      action: "s3:PutObject",
      resource: obj,
      context: { "S3:X-Amz-ACL": "private" },
      expect: "Allow",
    },
  ],
);

// IAM user guide, "IAM JSON policy elements: Condition": keys ANDed, values ORed, operators ANDed.
const combined = allowWhen({
  StringEquals: { "s3:x-amz-acl": ["private", "bucket-owner-full-control"], "aws:PrincipalAccount": ACCOUNT },
  StringEqualsIgnoreCase: { "aws:username": "ALICE" },
});
decisionTable("AND of keys and operators, OR of values", { identityPolicies: [combined] }, [
  {
    name: "all hold (second value)",
    action: "s3:PutObject",
    resource: obj,
    context: { "s3:x-amz-acl": "bucket-owner-full-control" },
    expect: "Allow",
  },
  {
    name: "one key fails",
    action: "s3:PutObject",
    resource: obj,
    context: { "s3:x-amz-acl": "public-read" },
    expect: "ImplicitDeny",
  },
  {
    name: "other operator fails",
    principal: user("bob"),
    action: "s3:PutObject",
    resource: obj,
    context: { "s3:x-amz-acl": "private" },
    expect: "ImplicitDeny",
  },
]);
