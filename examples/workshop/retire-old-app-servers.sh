#!/bin/sh
# The workshop's "retire old app server" step, with the AWS CLI only: deletes every app-server-build-N stack but
# the current one, then polls until each is gone; exits 1 if one stops deleting (DELETE_FAILED or anything but
# DELETE_IN_PROGRESS).
#   usage: retire-old-app-servers.sh CURRENT_BUILD_NUMBER
set -eu
current="app-server-build-${1:?usage: retire-old-app-servers.sh CURRENT_BUILD_NUMBER}"

old=$(aws cloudformation list-stacks \
  --stack-status-filter CREATE_COMPLETE UPDATE_COMPLETE ROLLBACK_COMPLETE CREATE_FAILED DELETE_FAILED \
  --query "StackSummaries[?starts_with(StackName, 'app-server-build-')].StackName" --output text)

for stack in $old; do
  [ "$stack" = "$current" ] && continue
  echo "deleting $stack"
  aws cloudformation delete-stack --stack-name "$stack"
done

for stack in $old; do
  [ "$stack" = "$current" ] && continue
  while true; do
    # A deleted stack is no longer found by name: describe-stacks fails, and the stack is gone.
    status=$(aws cloudformation describe-stacks --stack-name "$stack" \
      --query 'Stacks[0].StackStatus' --output text 2>/dev/null) || { echo "$stack: deleted"; break; }
    echo "$stack: $status"
    case "$status" in
      DELETE_COMPLETE) break ;;
      DELETE_IN_PROGRESS) sleep 15 ;;
      *) exit 1 ;;
    esac
  done
done
