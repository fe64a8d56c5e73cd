/**
 * A small stack template for tests of the stack pages and routes: a bucket, and a role (an IAM resource, so
 * `CAPABILITY_IAM`) unless `Env` is not `ci`; a NoEcho parameter; outputs with a description and a `GetAtt`.
 */
export const BUCKET_AND_ROLE_TEMPLATE = `AWSTemplateFormatVersion: "2010-09-09"
Description: the app's bucket and role
Parameters:
  Env:
    Type: String
    Default: ci
  DbPassword:
    Type: String
    NoEcho: true
Conditions:
  WithRole: !Equals [!Ref Env, ci]
Resources:
  Releases:
    Type: AWS::S3::Bucket
  AppRole:
    Type: AWS::IAM::Role
    Condition: WithRole
    DependsOn: Releases
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: [ec2.amazonaws.com] }
            Action: [sts:AssumeRole]
Outputs:
  Bucket:
    Value: !Ref Releases
    Description: where builds go
  RoleArn:
    Condition: WithRole
    Value: !GetAtt AppRole.Arn
`;

/** A role's trust policy that lets `service` (by default EC2, for instance profiles) assume it. */
export const serviceTrustPolicy = (service = "ec2.amazonaws.com") => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: [service] }, Action: ["sts:AssumeRole"] }],
});
