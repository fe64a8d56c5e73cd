/**
 * The `aws` wrapper script Fawkes puts first on PATH wherever a process gets a cloud endpoint (agent jobs, phoenix
 * instances). No node:* here: the agent and the cloud package each write it where they need it.
 *
 * awscli before 2.13 (Debian 12 ships 2.9) ignores AWS_ENDPOINT_URL and would send a job's `aws s3 cp` to real
 * AWS. This `aws` goes first on the job's PATH: it runs the next `aws` on PATH (never itself) and adds
 * `--endpoint-url "$AWS_ENDPOINT_URL"` unless the command line already names an endpoint. Newer CLIs accept
 * the flag too, so the wrapper is harmless there.
 */
export const AWS_WRAPPER_SCRIPT = `#!/bin/sh
# Written by Fawkes: adds --endpoint-url "$AWS_ENDPOINT_URL" for awscli < 2.13, which ignores it.
# Runs the first aws on PATH after this script's own directory (builtins only: PATH may lack coreutils).
depth=\${FAWKES_AWS_WRAPPER_DEPTH:-0}
if [ "$depth" -ge 8 ]; then
  echo "aws: the Fawkes aws wrapper keeps calling itself; check PATH" >&2
  exit 127
fi
FAWKES_AWS_WRAPPER_DEPTH=$((depth + 1))
export FAWKES_AWS_WRAPPER_DEPTH
case $0 in
  */*) self_dir=$(cd "\${0%/*}" && pwd -P) ;;
  *) self_dir=$(pwd -P) ;;
esac
real=
first=
after_self=
set -f
saved_ifs=$IFS
IFS=:
for dir in $PATH; do
  [ -n "$dir" ] || dir=.
  [ -f "$dir/aws" ] && [ -x "$dir/aws" ] || continue
  if [ "$(cd "$dir" 2>/dev/null && pwd -P)" = "$self_dir" ]; then
    after_self=yes
  elif [ -n "$after_self" ]; then
    real=$dir/aws
    break
  elif [ -z "$first" ]; then
    first=$dir/aws
  fi
done
IFS=$saved_ifs
set +f
# Not on PATH itself (run by its full path): the first aws on PATH is the real one.
[ -n "$after_self" ] || real=$first
if [ -z "$real" ]; then
  echo "aws: command not found (no aws on PATH after the Fawkes wrapper in $self_dir)" >&2
  exit 127
fi
if [ -n "\${AWS_ENDPOINT_URL:-}" ]; then
  for arg in "$@"; do
    case $arg in
      --endpoint-url | --endpoint-url=*) exec "$real" "$@" ;;
    esac
  done
  exec "$real" --endpoint-url "$AWS_ENDPOINT_URL" "$@"
fi
exec "$real" "$@"
`;
