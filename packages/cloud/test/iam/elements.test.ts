// Decision tables for the statement elements: Effect, Action/NotAction (wildcards), Resource/NotResource.
import { ACCOUNT, OTHER_ACCOUNT, decisionTable, policy } from "./support.ts";

const allowAll = policy({
  Version: "2012-10-17",
  Statement: { Effect: "Allow", Action: "*", Resource: "*" },
});

// IAM user guide, "Policy evaluation logic": an explicit deny in any policy overrides any allow.
const denyDelete = policy({
  Version: "2012-10-17",
  Statement: [
    { Sid: "NoDeletes", Effect: "Deny", Action: "s3:DeleteObject", Resource: "arn:aws:s3:::builds/*" },
  ],
});
decisionTable(
  "explicit deny beats allow (Policy evaluation logic)",
  { identityPolicies: [allowAll, denyDelete] },
  [
    {
      name: "denied action",
      action: "s3:DeleteObject",
      resource: "arn:aws:s3:::builds/app.jar",
      expect: "ExplicitDeny",
      sids: ["NoDeletes"],
    },
    {
      name: "action names are case-insensitive",
      action: "S3:deleteobject",
      resource: "arn:aws:s3:::builds/app.jar",
      expect: "ExplicitDeny",
    },
    {
      name: "other actions still allowed",
      action: "s3:GetObject",
      resource: "arn:aws:s3:::builds/app.jar",
      expect: "Allow",
    },
    {
      name: "deny scoped to its resource",
      action: "s3:DeleteObject",
      resource: "arn:aws:s3:::scratch/x",
      expect: "Allow",
    },
  ],
);
decisionTable("no policies at all", { identityPolicies: [] }, [
  { name: "implicit deny", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", expect: "ImplicitDeny" },
]);

// IAM user guide, "IAM JSON policy elements: Action" and "Condition operators" (`iam:*AccessKey*`): wildcards.
const wildcards = policy({
  Version: "2012-10-17",
  Statement: [
    { Sid: "Reads", Effect: "Allow", Action: "s3:Get*", Resource: "arn:aws:s3:::b/*" },
    { Sid: "ObjectVerbs", Effect: "Allow", Action: "s3:*Object", Resource: "arn:aws:s3:::w/*" },
    { Sid: "Keys", Effect: "Allow", Action: "iam:*AccessKey*", Resource: `arn:aws:iam::${ACCOUNT}:user/*` },
    { Sid: "OneChar", Effect: "Allow", Action: "s3:ListBucket?", Resource: "arn:aws:s3:::?" },
  ],
});
decisionTable("wildcard actions", { identityPolicies: [wildcards] }, [
  { name: "s3:Get* covers GetObject", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", expect: "Allow" },
  {
    name: "s3:Get* matches GetBucketLocation but b/* is not the bucket ARN",
    action: "s3:GetBucketLocation",
    resource: "arn:aws:s3:::b",
    expect: "ImplicitDeny",
  },
  {
    name: "s3:Get* does not cover PutObject",
    action: "s3:PutObject",
    resource: "arn:aws:s3:::b/k",
    expect: "ImplicitDeny",
  },
  {
    name: "s3:*Object covers PutObject",
    action: "s3:PutObject",
    resource: "arn:aws:s3:::w/k",
    expect: "Allow",
  },
  {
    name: "s3:*Object covers DeleteObject",
    action: "s3:DeleteObject",
    resource: "arn:aws:s3:::w/k",
    expect: "Allow",
  },
  {
    name: "s3:*Object does not cover ListObjectsV2-style ListBucket",
    action: "s3:ListBucket",
    resource: "arn:aws:s3:::w/k",
    expect: "ImplicitDeny",
  },
  {
    name: "iam:*AccessKey* covers CreateAccessKey",
    action: "iam:CreateAccessKey",
    resource: `arn:aws:iam::${ACCOUNT}:user/alice`,
    expect: "Allow",
  },
  {
    name: "iam:*AccessKey* covers ListAccessKeys",
    action: "iam:ListAccessKeys",
    resource: `arn:aws:iam::${ACCOUNT}:user/alice`,
    expect: "Allow",
  },
  {
    name: "account segment is matched exactly",
    action: "iam:ListAccessKeys",
    resource: `arn:aws:iam::${OTHER_ACCOUNT}:user/alice`,
    expect: "ImplicitDeny",
  },
  {
    name: "? is exactly one character",
    action: "s3:ListBucketX",
    resource: "arn:aws:s3:::q",
    expect: "Allow",
  },
  {
    name: "? is not zero characters",
    action: "s3:ListBucket",
    resource: "arn:aws:s3:::q",
    expect: "ImplicitDeny",
  },
  {
    name: "resource ? is exactly one character",
    action: "s3:ListBucketX",
    resource: "arn:aws:s3:::qq",
    expect: "ImplicitDeny",
  },
]);
decisionTable("resource ARNs are case-sensitive", { identityPolicies: [wildcards] }, [
  {
    name: "bucket name case differs",
    action: "s3:GetObject",
    resource: "arn:aws:s3:::B/k",
    expect: "ImplicitDeny",
  },
]);

// IAM user guide, "IAM JSON policy elements: NotAction": NotAction with Allow, and the MFA "deny everything except
// IAM" pattern with BoolIfExists.
const notActionAllow = policy({
  Version: "2012-10-17",
  Statement: { Effect: "Allow", NotAction: "s3:DeleteBucket", Resource: "arn:aws:s3:::*" },
});
decisionTable("NotAction with Allow", { identityPolicies: [notActionAllow] }, [
  {
    name: "any S3 action on S3 resources",
    action: "s3:PutObject",
    resource: "arn:aws:s3:::b/k",
    expect: "Allow",
  },
  {
    name: "except DeleteBucket",
    action: "s3:DeleteBucket",
    resource: "arn:aws:s3:::b",
    expect: "ImplicitDeny",
  },
  {
    name: "not ListAllMyBuckets, which needs the * resource",
    action: "s3:ListAllMyBuckets",
    resource: "*",
    expect: "ImplicitDeny",
  },
]);
const denyWithoutMfa = policy({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "DenyAllUsersNotUsingMFA",
      Effect: "Deny",
      NotAction: "iam:*",
      Resource: "*",
      Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } },
    },
  ],
});
decisionTable(
  "deny everything except IAM without MFA (NotAction + Deny)",
  { identityPolicies: [allowAll, denyWithoutMfa] },
  [
    {
      name: "S3 without MFA",
      action: "s3:GetObject",
      resource: "arn:aws:s3:::b/k",
      context: { "aws:MultiFactorAuthPresent": false },
      expect: "ExplicitDeny",
    },
    {
      name: "S3 with the key absent (IfExists)",
      action: "s3:GetObject",
      resource: "arn:aws:s3:::b/k",
      expect: "ExplicitDeny",
    },
    {
      name: "S3 with MFA",
      action: "s3:GetObject",
      resource: "arn:aws:s3:::b/k",
      context: { "aws:MultiFactorAuthPresent": true },
      expect: "Allow",
    },
    {
      name: "IAM without MFA is not denied",
      action: "iam:ChangePassword",
      resource: `arn:aws:iam::${ACCOUNT}:user/alice`,
      context: { "aws:MultiFactorAuthPresent": false },
      expect: "Allow",
    },
  ],
);

// IAM user guide, "IAM JSON policy elements: NotResource": HRPayroll may touch nothing in S3 but the Payroll folder.
const hrPayroll = policy({
  Version: "2012-10-17",
  Statement: {
    Effect: "Deny",
    Action: "s3:*",
    NotResource: ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
  },
});
decisionTable("NotResource with Deny", { identityPolicies: [allowAll, hrPayroll] }, [
  {
    name: "the Payroll folder",
    action: "s3:GetObject",
    resource: "arn:aws:s3:::HRBucket/Payroll/jan.csv",
    expect: "Allow",
  },
  {
    name: "elsewhere in the bucket",
    action: "s3:GetObject",
    resource: "arn:aws:s3:::HRBucket/Other/x",
    expect: "ExplicitDeny",
  },
  { name: "another bucket", action: "s3:ListBucket", resource: "arn:aws:s3:::other", expect: "ExplicitDeny" },
  {
    name: "other services are not covered by s3:*",
    action: "sqs:SendMessage",
    resource: "arn:aws:sqs:us-east-1:111122223333:q",
    expect: "Allow",
  },
]);
