/**
 * `renderBoot`: a BootPlan → the POSIX shell script and files an instance runs at boot, in cloud-init's order
 * (bootcmd, write_files, users, deferred write_files, runcmd, then the user-data scripts), printing cloud-init-like
 * console lines. The script writes the result as one JSON line (`{"exitCode":N,"failures":"a,b"}`) on fd 3.
 */
import type { BootCommand, BootFile, BootPlan, BootUser } from "./plan.ts";

/** Where the bundle lives inside the instance, as cloud-init keeps its per-instance data. */
export const BOOT_DIR = "/var/lib/cloud/instance";
/** The version string the console shows. */
export const CLOUD_INIT_VERSION = "23.1-fawkes";

export interface BootBundleFile {
  /** Relative to BOOT_DIR. */
  readonly path: string;
  readonly content: Buffer;
  readonly mode: number;
}

export interface BootBundle {
  /** `boot.sh`, run as `/bin/sh BOOT_DIR/boot.sh` with fd 3 open for the result. */
  readonly script: string;
  readonly files: readonly BootBundleFile[];
}

/** Single-quotes a string for the POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function commandLine(command: BootCommand): string {
  return command.kind === "shell" ? command.line : command.argv.map(shellQuote).join(" ");
}

function commandScript(commands: readonly BootCommand[]): Buffer {
  return Buffer.from(`#!/bin/sh\n${commands.map(commandLine).join("\n")}\n`);
}

function writeFileLines(files: readonly BootFile[], first: number): string[] {
  return files.map(
    (file, index) =>
      `  write_one files/${first + index} ${shellQuote(file.path)} ${file.permissions.toString(8).padStart(4, "0")} ` +
      `${shellQuote(file.owner)} ${file.append ? 1 : 0} || rc=1`,
  );
}

function userLines(user: BootUser): string[] {
  const name = shellQuote(user.name);
  const lines = user.groups.map(
    (group) => `  getent group ${shellQuote(group)} >/dev/null || groupadd ${shellQuote(group)} || rc=1`,
  );
  const options = [
    "-m",
    ...(user.shell === undefined ? [] : ["-s", shellQuote(user.shell)]),
    ...(user.homedir === undefined ? [] : ["-d", shellQuote(user.homedir)]),
    ...(user.gecos === undefined ? [] : ["-c", shellQuote(user.gecos)]),
    ...(user.groups.length === 0 ? [] : ["-G", shellQuote(user.groups.join(","))]),
    ...(user.system ? ["--system"] : []),
  ];
  lines.push(
    `  if id -u ${name} >/dev/null 2>&1; then warn "user ${user.name} already exists; not created"`,
    `  else useradd ${options.join(" ")} ${name} || rc=1; fi`,
  );
  for (const rule of user.sudo) lines.push(`  add_sudo ${shellQuote(`${user.name} ${rule}`)} || rc=1`);
  if (user.sshAuthorizedKeys.length > 0)
    lines.push(`  add_keys ${name} ${user.sshAuthorizedKeys.map(shellQuote).join(" ")} || rc=1`);
  return lines;
}

const PRELUDE = `#!/bin/sh
# Written by Fawkes from the instance's user data: cloud-init's modules, in cloud-init's order.
# Modules and scripts run from /, as under cloud-init's systemd units.
B=${BOOT_DIR}
cd / || exit 1
start=$(date +%s)
failures=
code=0
log() { printf '%s\\n' "$*"; }
warn() { printf 'cloud-init[WARNING]: %s\\n' "$*"; }
stamp() { date -u '+%a, %d %b %Y %H:%M:%S +0000'; }
up() { echo $(( $(date +%s) - start )); }
fail() { [ "$code" -ne 0 ] || code=$2; failures="$failures\${failures:+,}$1"; }
run_module() {
  name=$1; shift
  log "cloud-init: running module $name"
  "$@" 3>&-
  rc=$?
  if [ "$rc" -eq 0 ]; then log "cloud-init: module $name finished"
  else warn "Running module $name failed (exit $rc)"; fail "$name" "$rc"; fi
}
write_one() {
  mkdir -p "$(dirname "$2")" || return 1
  if [ "$5" = 1 ]; then cat "$B/$1" >> "$2"; else cat "$B/$1" > "$2"; fi || return 1
  chmod "$3" "$2" && chown "$4" "$2"
}
add_sudo() {
  mkdir -p /etc/sudoers.d && printf '%s\\n' "$1" >> /etc/sudoers.d/90-cloud-init-users &&
    chmod 0440 /etc/sudoers.d/90-cloud-init-users
}
add_keys() {
  user=$1; shift
  home=$(getent passwd "$user" | cut -d: -f6)
  [ -n "$home" ] || return 1
  mkdir -p "$home/.ssh" && printf '%s\\n' "$@" >> "$home/.ssh/authorized_keys" &&
    chmod 700 "$home/.ssh" && chmod 600 "$home/.ssh/authorized_keys" && chown -R "$user:" "$home/.ssh"
}
log "Cloud-init v. ${CLOUD_INIT_VERSION} running 'init' at $(stamp). Up $(up) seconds."
`;

const FINALE = `if [ -z "$failures" ]; then result=success; else result="failed ($failures)"; fi
log "Cloud-init v. ${CLOUD_INIT_VERSION} finished at $(stamp). Datasource DataSourceFawkes. Up $(up) seconds. Result: $result"
printf '{"exitCode":%d,"failures":"%s"}\\n' "$code" "$failures" >&3
`;

/** Renders the boot script and its files. */
export function renderBoot(plan: BootPlan): BootBundle {
  const files: BootBundleFile[] = [];
  const lines: string[] = [PRELUDE];
  for (const warning of plan.warnings) lines.push(`warn ${shellQuote(warning)}`);
  if (plan.errors.length > 0) {
    for (const error of plan.errors) lines.push(`printf 'cloud-init[ERROR]: %s\\n' ${shellQuote(error)}`);
    lines.push(`log "cloud-init: user data was not run"`, `fail user-data 1`, FINALE);
    return { script: lines.join("\n"), files };
  }
  if (plan.bootcmd.length > 0) {
    files.push({ path: "scripts/bootcmd", content: commandScript(plan.bootcmd), mode: 0o700 });
    lines.push(`run_module bootcmd /bin/sh "$B/scripts/bootcmd"`);
  }
  const now = plan.writeFiles.filter((file) => !file.deferred);
  const later = plan.writeFiles.filter((file) => file.deferred);
  [...now, ...later].forEach((file, index) =>
    files.push({ path: `files/${index}`, content: file.content, mode: 0o600 }),
  );
  const fileModule = (name: string, entries: readonly BootFile[], first: number): void => {
    if (entries.length === 0) return;
    lines.push(
      `${name}() {`,
      "  rc=0",
      ...writeFileLines(entries, first),
      "  return $rc",
      "}",
      `run_module ${name} ${name}`,
    );
  };
  fileModule("write_files", now, 0);
  if (plan.users.length > 0)
    lines.push(
      "users() {",
      "  rc=0",
      ...plan.users.flatMap(userLines),
      "  return $rc",
      "}",
      "run_module users users",
    );
  fileModule("write_files_deferred", later, now.length);
  if (plan.runcmd.length > 0) {
    files.push({ path: "scripts/runcmd", content: commandScript(plan.runcmd), mode: 0o700 });
    lines.push(`run_module runcmd /bin/sh "$B/scripts/runcmd"`);
  }
  for (const script of plan.scripts) {
    files.push({ path: `scripts/${script.name}`, content: script.content, mode: 0o700 });
    lines.push(`run_module ${script.name} "$B/scripts/${script.name}"`);
  }
  lines.push(FINALE);
  return { script: lines.join("\n"), files };
}
