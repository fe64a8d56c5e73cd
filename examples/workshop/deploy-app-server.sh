#!/bin/sh
# The workshop's "deploy new app server" step, with the AWS CLI only: it looks up the subnet and security group
# the infrastructure stack made (by CloudFormation's logical-id tag), creates the stack app-server-build-N from
# the app-server template, and polls until it is CREATE_COMPLETE (exit 0) or anything but CREATE_IN_PROGRESS
# (exit 1). Runs unchanged against AWS or, through Fawkes's `aws` wrapper, against Fawkes.
#   usage: deploy-app-server.sh BUILD_NUMBER [TEMPLATE_FILE]
set -eu
build="${1:?usage: deploy-app-server.sh BUILD_NUMBER [TEMPLATE_FILE]}"
template="${2:-app-server-template.json}"
stack="app-server-build-$build"

subnet=$(aws ec2 describe-subnets \
  --filters "Name=tag:aws:cloudformation:logical-id,Values=Subnet" \
  --query 'Subnets[0].SubnetId' --output text)
group=$(aws ec2 describe-security-groups \
  --filters "Name=tag:aws:cloudformation:logical-id,Values=SecurityGroup" \
  --query 'SecurityGroups[0].GroupId' --output text)

aws cloudformation create-stack --stack-name "$stack" \
  --template-body "file://$template" \
  --parameters "ParameterKey=SubnetId,ParameterValue=$subnet" \
               "ParameterKey=SecurityGroupId,ParameterValue=$group" \
               "ParameterKey=BuildNumber,ParameterValue=$build" \
  --capabilities CAPABILITY_IAM

while true; do
  status=$(aws cloudformation describe-stacks --stack-name "$stack" \
    --query 'Stacks[0].StackStatus' --output text)
  echo "$stack: $status"
  case "$status" in
    CREATE_COMPLETE) exit 0 ;;
    CREATE_IN_PROGRESS) sleep 15 ;;
    *) exit 1 ;;
  esac
done
