// Decision tables for the S3 policies in AWS's documentation, each run through the evaluator as written there.
import { ACCOUNT, anonymous, decisionTable, policy, user } from "./support.ts";

// IAM user guide, "Amazon S3: Allows IAM users access to their S3 home directory, programmatically and in the console".
const homeDirectory = policy({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Action: ["s3:ListAllMyBuckets", "s3:GetBucketLocation"], Resource: "*" },
    {
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: "arn:aws:s3:::bucket-name",
      Condition: { StringLike: { "s3:prefix": ["", "home/", "home/${aws:username}/*"] } },
    },
    {
      Effect: "Allow",
      Action: "s3:*",
      Resource: [
        "arn:aws:s3:::bucket-name/home/${aws:username}",
        "arn:aws:s3:::bucket-name/home/${aws:username}/*",
      ],
    },
  ],
});
const bucket = "arn:aws:s3:::bucket-name";
decisionTable("home directory (IAM user guide example)", { identityPolicies: [homeDirectory] }, [
  { name: "lists all buckets", action: "s3:ListAllMyBuckets", resource: "*", expect: "Allow" },
  {
    name: "lists the bucket root",
    action: "s3:ListBucket",
    resource: bucket,
    context: { "s3:prefix": "" },
    expect: "Allow",
  },
  {
    name: "lists home/",
    action: "s3:ListBucket",
    resource: bucket,
    context: { "s3:prefix": "home/" },
    expect: "Allow",
  },
  {
    name: "lists its own folder",
    action: "s3:ListBucket",
    resource: bucket,
    context: { "s3:prefix": "home/alice/reports/" },
    expect: "Allow",
  },
  {
    name: "cannot list another user's folder",
    action: "s3:ListBucket",
    resource: bucket,
    context: { "s3:prefix": "home/bob/" },
    expect: "ImplicitDeny",
  },
  {
    name: "cannot list without a prefix key",
    action: "s3:ListBucket",
    resource: bucket,
    expect: "ImplicitDeny",
  },
  {
    name: "reads its own object",
    action: "s3:GetObject",
    resource: `${bucket}/home/alice/notes.txt`,
    expect: "Allow",
  },
  {
    name: "writes deep in its own folder (* spans /)",
    action: "s3:PutObject",
    resource: `${bucket}/home/alice/a/b/c.txt`,
    expect: "Allow",
  },
  {
    name: "cannot read bob's object",
    action: "s3:GetObject",
    resource: `${bucket}/home/bob/x`,
    expect: "ImplicitDeny",
  },
  {
    name: "a folder-name prefix is not the folder",
    action: "s3:GetObject",
    resource: `${bucket}/home/alice2/x`,
    expect: "ImplicitDeny",
  },
  {
    name: "bob gets his own folder from the same policy",
    principal: user("bob"),
    action: "s3:GetObject",
    resource: `${bucket}/home/bob/x`,
    expect: "Allow",
  },
  {
    name: "user names in ARNs with a path resolve to the last segment",
    principal: { arn: `arn:aws:iam::${ACCOUNT}:user/division/carol`, account: ACCOUNT, type: "User" },
    action: "s3:GetObject",
    resource: `${bucket}/home/carol/x`,
    expect: "Allow",
  },
  {
    name: "a role session has no aws:username, so the variable matches nothing",
    principal: {
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/builder/s1`,
      account: ACCOUNT,
      type: "AssumedRole",
      roleArn: `arn:aws:iam::${ACCOUNT}:role/builder`,
    },
    action: "s3:GetObject",
    resource: `${bucket}/home/builder/x`,
    expect: "ImplicitDeny",
  },
  {
    name: "a user name with * is literal, not a wildcard",
    principal: user("a*"),
    action: "s3:GetObject",
    resource: `${bucket}/home/abc/x`,
    expect: "ImplicitDeny",
  },
]);

// IAM user guide, "IAM policy elements: Variables and tags" (Introduction): the marketing prefix, then ${aws:username}
// written in the 2008-10-17 language, where variables are literal text.
const literalVariables = policy({
  Version: "2008-10-17",
  Statement: [
    { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::mybucket/${aws:username}/*"] },
  ],
});
decisionTable("variables need Version 2012-10-17", { identityPolicies: [literalVariables] }, [
  {
    name: "no substitution",
    action: "s3:GetObject",
    resource: "arn:aws:s3:::mybucket/alice/x",
    expect: "ImplicitDeny",
  },
  {
    name: "the text matches literally",
    action: "s3:GetObject",
    resource: "arn:aws:s3:::mybucket/${aws:username}/x",
    expect: "Allow",
  },
]);

// Amazon S3 user guide, "Examples of Amazon S3 bucket policies": "Allowing IPv4 and IPv6 addresses" (AllowIPmix).
const ipMix = policy(
  {
    Id: "PolicyId2",
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowIPmix",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
        Condition: {
          IpAddress: { "aws:SourceIp": ["192.0.2.0/24", "2001:DB8:1234:5678::/64"] },
          NotIpAddress: { "aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678:ABCD::/80"] },
        },
      },
    ],
  },
  "resource",
);
const object = "arn:aws:s3:::DOC-EXAMPLE-BUCKET/k";
decisionTable(
  "IP-restricted bucket policy (S3 user guide example)",
  { identityPolicies: [], resourcePolicy: ipMix },
  [
    {
      name: "IPv4 inside the range",
      action: "s3:GetObject",
      resource: object,
      context: { "aws:SourceIp": "192.0.2.7" },
      expect: "Allow",
      sids: ["AllowIPmix"],
    },
    {
      name: "IPv4 outside",
      action: "s3:GetObject",
      resource: object,
      context: { "aws:SourceIp": "198.51.100.1" },
      expect: "ImplicitDeny",
    },
    {
      name: "IPv4-mapped IPv6 from a dual-stack socket",
      action: "s3:GetObject",
      resource: object,
      context: { "aws:SourceIp": "::ffff:192.0.2.200" },
      expect: "Allow",
    },
    {
      name: "IPv6 inside the /64",
      action: "s3:PutObject",
      resource: object,
      context: { "aws:SourceIp": "2001:db8:1234:5678::1" },
      expect: "Allow",
    },
    {
      name: "IPv6 in the excluded /80",
      action: "s3:PutObject",
      resource: object,
      context: { "aws:SourceIp": "2001:db8:1234:5678:abcd::9" },
      expect: "ImplicitDeny",
    },
    { name: "no source IP at all", action: "s3:GetObject", resource: object, expect: "ImplicitDeny" },
    {
      name: "the bucket itself",
      action: "s3:ListBucket",
      resource: "arn:aws:s3:::DOC-EXAMPLE-BUCKET",
      context: { "aws:SourceIp": "192.0.2.1" },
      expect: "Allow",
    },
    {
      name: "another bucket",
      action: "s3:GetObject",
      resource: "arn:aws:s3:::other/k",
      context: { "aws:SourceIp": "192.0.2.1" },
      expect: "ImplicitDeny",
    },
  ],
  anonymous,
);

// IAM user guide, "AWS: Denies access to AWS based on the source IP", combined with a broad Allow.
const denyOutsideIps = policy({
  Version: "2012-10-17",
  Statement: {
    Effect: "Deny",
    Action: "*",
    Resource: "*",
    Condition: { NotIpAddress: { "aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"] } },
  },
});
const allowS3 = policy({
  Version: "2012-10-17",
  Statement: { Effect: "Allow", Action: "s3:*", Resource: "*" },
});
decisionTable(
  "deny outside the office IPs (IAM user guide example)",
  { identityPolicies: [allowS3, denyOutsideIps] },
  [
    {
      name: "from the office",
      action: "s3:GetObject",
      resource: object,
      context: { "aws:SourceIp": "203.0.113.9" },
      expect: "Allow",
    },
    {
      name: "from elsewhere",
      action: "s3:GetObject",
      resource: object,
      context: { "aws:SourceIp": "10.0.0.1" },
      expect: "ExplicitDeny",
    },
    // NotIpAddress is a negated operator: a missing key makes it true, so the Deny applies.
    { name: "without aws:SourceIp", action: "s3:GetObject", resource: object, expect: "ExplicitDeny" },
  ],
);

// Amazon S3 user guide, "Examples of Amazon S3 bucket policies": "Restrict access to only HTTPS requests";
// IAM user guide, "Condition operators" (Boolean condition operators).
const httpsOnly = policy(
  {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "RestrictToTLSRequestsOnly",
        Action: "s3:*",
        Effect: "Deny",
        Resource: ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
        Principal: "*",
      },
    ],
  },
  "resource",
);
decisionTable(
  "HTTPS-only bucket policy (S3 user guide example)",
  { identityPolicies: [allowS3], resourcePolicy: httpsOnly },
  [
    {
      name: "over TLS",
      action: "s3:GetObject",
      resource: object,
      context: { "aws:SecureTransport": true },
      expect: "Allow",
    },
    {
      name: "over plain HTTP",
      action: "s3:GetObject",
      resource: object,
      context: { "aws:SecureTransport": false },
      expect: "ExplicitDeny",
      sids: ["RestrictToTLSRequestsOnly"],
    },
    {
      name: 'as the string "false"',
      action: "s3:PutObject",
      resource: object,
      context: { "aws:securetransport": "false" },
      expect: "ExplicitDeny",
    },
    {
      name: "other buckets are not covered",
      action: "s3:GetObject",
      resource: "arn:aws:s3:::other/k",
      context: { "aws:SecureTransport": false },
      expect: "Allow",
    },
  ],
);

// IAM user guide, "Condition operators" (Numeric condition operators): list up to 10 keys at a time.
const maxKeys = policy({
  Version: "2012-10-17",
  Statement: {
    Effect: "Allow",
    Action: "s3:ListBucket",
    Resource: "arn:aws:s3:::example_bucket",
    Condition: { NumericLessThanEquals: { "s3:max-keys": "10" } },
  },
});
decisionTable("s3:max-keys ≤ 10 (IAM user guide example)", { identityPolicies: [maxKeys] }, [
  {
    name: "max-keys 10",
    action: "s3:ListBucket",
    resource: "arn:aws:s3:::example_bucket",
    context: { "s3:max-keys": 10 },
    expect: "Allow",
  },
  {
    name: "max-keys 1000",
    action: "s3:ListBucket",
    resource: "arn:aws:s3:::example_bucket",
    context: { "s3:max-keys": "1000" },
    expect: "ImplicitDeny",
  },
  {
    name: "max-keys not a number",
    action: "s3:ListBucket",
    resource: "arn:aws:s3:::example_bucket",
    context: { "s3:max-keys": "ten" },
    expect: "ImplicitDeny",
  },
]);
