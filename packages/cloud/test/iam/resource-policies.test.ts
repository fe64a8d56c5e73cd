// Decision tables for resource (bucket) policies and their principals, cross-account access, permissions boundaries
// and session policies: how the policy types combine.
import { ACCOUNT, OTHER_ACCOUNT, anonymous, decisionTable, policy, user } from "./support.ts";

const allowAll = policy({
  Version: "2012-10-17",
  Statement: { Effect: "Allow", Action: "*", Resource: "*" },
});

// Amazon S3 user guide, "Bucket policy examples" and IAM "Policy evaluation logic" / "Cross-account policy
// evaluation logic": who a bucket policy's Principal grants, and how it combines with identity policies.
const bucketPolicy = policy(
  {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AliceReads",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` },
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::shared/*",
      },
      {
        Sid: "DelegateToPartner",
        Effect: "Allow",
        Principal: { AWS: OTHER_ACCOUNT },
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::shared/public/*",
      },
      {
        Sid: "BuilderRoleWrites",
        Effect: "Allow",
        Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:role/builder`] },
        Action: "s3:PutObject",
        Resource: "arn:aws:s3:::shared/builds/*",
      },
      {
        Sid: "NobodyButAdminDeletes",
        Effect: "Deny",
        NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:user/admin` },
        Action: "s3:DeleteObject",
        Resource: "arn:aws:s3:::shared/*",
      },
    ],
  },
  "resource",
);
const partnerReads = policy({
  Version: "2012-10-17",
  Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
});
const builderSession = {
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/builder/job-42`,
  account: ACCOUNT,
  type: "AssumedRole" as const,
  roleArn: `arn:aws:iam::${ACCOUNT}:role/builder`,
};
decisionTable(
  "bucket policy alone (same account)",
  { identityPolicies: [], resourcePolicy: bucketPolicy, resourceAccount: ACCOUNT },
  [
    {
      name: "names alice: allowed without an identity policy",
      action: "s3:GetObject",
      resource: "arn:aws:s3:::shared/a",
      expect: "Allow",
      sids: ["AliceReads"],
    },
    {
      name: "bob is not named",
      principal: user("bob"),
      action: "s3:GetObject",
      resource: "arn:aws:s3:::shared/a",
      expect: "ImplicitDeny",
    },
    {
      name: "a role session matches its role's ARN",
      principal: builderSession,
      action: "s3:PutObject",
      resource: "arn:aws:s3:::shared/builds/1.jar",
      expect: "Allow",
    },
    {
      name: "NotPrincipal deny hits alice",
      action: "s3:DeleteObject",
      resource: "arn:aws:s3:::shared/a",
      expect: "ExplicitDeny",
    },
    {
      name: "NotPrincipal deny spares admin",
      principal: user("admin"),
      action: "s3:DeleteObject",
      resource: "arn:aws:s3:::shared/a",
      expect: "ImplicitDeny",
    },
    {
      name: "anonymous callers get nothing",
      principal: anonymous,
      action: "s3:GetObject",
      resource: "arn:aws:s3:::shared/a",
      expect: "ImplicitDeny",
    },
  ],
);
decisionTable(
  "bucket policy across accounts",
  { identityPolicies: [partnerReads], resourcePolicy: bucketPolicy, resourceAccount: ACCOUNT },
  [
    {
      name: "delegated to the partner account and allowed by its identity policy",
      principal: user("carol", OTHER_ACCOUNT),
      action: "s3:GetObject",
      resource: "arn:aws:s3:::shared/public/x",
      expect: "Allow",
    },
    {
      name: "outside the delegated prefix",
      principal: user("carol", OTHER_ACCOUNT),
      action: "s3:GetObject",
      resource: "arn:aws:s3:::shared/private/x",
      expect: "ImplicitDeny",
    },
  ],
);
decisionTable(
  "cross-account needs the identity side too",
  { identityPolicies: [], resourcePolicy: bucketPolicy, resourceAccount: ACCOUNT },
  [
    {
      name: "bucket delegates, identity policy missing",
      principal: user("carol", OTHER_ACCOUNT),
      action: "s3:GetObject",
      resource: "arn:aws:s3:::shared/public/x",
      expect: "ImplicitDeny",
    },
  ],
);
decisionTable(
  "account delegation does not grant same-account users by itself",
  {
    identityPolicies: [],
    resourcePolicy: policy(
      {
        Version: "2012-10-17",
        Statement: {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: "s3:*",
          Resource: "*",
        },
      },
      "resource",
    ),
    resourceAccount: ACCOUNT,
  },
  [
    {
      name: "needs an identity Allow",
      action: "s3:GetObject",
      resource: "arn:aws:s3:::b/k",
      expect: "ImplicitDeny",
    },
  ],
);

// Amazon S3 user guide, "Bucket policy examples": granting read-only permission to anonymous users.
const publicRead = policy(
  {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "PublicRead",
        Effect: "Allow",
        Principal: "*",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: ["arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
      },
    ],
  },
  "resource",
);
decisionTable(
  "public-read bucket policy",
  { identityPolicies: [], resourcePolicy: publicRead, resourceAccount: ACCOUNT },
  [
    {
      name: "anonymous GET",
      principal: anonymous,
      action: "s3:GetObject",
      resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/index.html",
      expect: "Allow",
    },
    {
      name: "anonymous PUT",
      principal: anonymous,
      action: "s3:PutObject",
      resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET/index.html",
      expect: "ImplicitDeny",
    },
  ],
);

// IAM user guide, "Permissions boundaries for IAM entities" and "Session policies": both only intersect.
const s3ReadOnly = policy({
  Version: "2012-10-17",
  Statement: { Effect: "Allow", Action: ["s3:Get*", "s3:List*"], Resource: "*" },
});
decisionTable(
  "permissions boundary caps identity policies",
  { identityPolicies: [allowAll], permissionsBoundary: s3ReadOnly },
  [
    { name: "inside the boundary", action: "s3:GetObject", resource: "arn:aws:s3:::b/k", expect: "Allow" },
    {
      name: "outside the boundary",
      action: "s3:PutObject",
      resource: "arn:aws:s3:::b/k",
      expect: "ImplicitDeny",
    },
  ],
);
decisionTable(
  "session policies cap the session",
  { identityPolicies: [allowAll], sessionPolicies: [s3ReadOnly] },
  [
    {
      name: "inside the session policy",
      principal: builderSession,
      action: "s3:ListBucket",
      resource: "arn:aws:s3:::b",
      expect: "Allow",
    },
    {
      name: "outside the session policy",
      principal: builderSession,
      action: "s3:DeleteObject",
      resource: "arn:aws:s3:::b/k",
      expect: "ImplicitDeny",
    },
  ],
);
