/**
 * The two stages of an instance's init, PID 1 of its PID namespace (started by `unshare --pid --fork --mount
 * --uts --ipc --net`, see launch.ts). Shell, so that an instance costs a shell and a few socat processes rather
 * than a Node process.
 *
 * Stage 1 (`/bin/sh`, full root; stderr joins stdout so the console keeps the order things were printed in): builds the root — a kernel overlay of the host's `/` with upper/work in the
 * instance directory, hidden host paths as whiteouts, fresh `/proc` (with `/proc/sys` read-only), `/sys`
 * read-only, `/tmp`, `/run`, a small `/dev`, the socket directory at `/run/fawkes` — brings `lo` up, sets the
 * host name, `pivot_root`s into it, detaches the host's tree, and execs stage 2 with a reduced capability
 * bounding set (no mount, no mknod, no module loading, no raw I/O, …), still as PID 1.
 *
 * Stage 2 (`/bin/bash`, which reaps adopted orphans): starts the socat bridges (loopback listeners that reach
 * the host's Unix sockets, and Unix listeners that reach the app's ports), reports `up` on fd 3, runs the boot
 * script in the background, then reads commands (`expose PORT`) from the control pipe on stdin. When the host
 * closes that pipe (terminate, or the server died) PID 1 exits and the kernel kills everything in the namespace;
 * `stop N` first sends SIGTERM to every other process and waits up to N × 10 ms for them to exit.
 *
 * Arguments: stage 1 `DIR HOSTNAME HIDE FRESH BINDS MASKS STAGE2 -- <stage 2 arguments>`, stage 2 `ADDRESS
 * LOOPBACK EXPOSED`; lists are newline-separated (HIDE, BINDS, MASKS: absolute paths; FRESH: `MODE PATH`;
 * LOOPBACK: `PORT NAME`; EXPOSED: ports).
 */

/** The capabilities user data keeps (Docker's default set without CAP_MKNOD). */
export const INSTANCE_CAPABILITIES = [
  "chown",
  "dac_override",
  "fowner",
  "fsetid",
  "kill",
  "setgid",
  "setuid",
  "setpcap",
  "setfcap",
  "net_bind_service",
  "net_raw",
  "sys_chroot",
  "audit_write",
] as const;

/** Seconds a bridged connection may stay half-closed (one side finished, the other still sending). */
const HALF_CLOSE_SECONDS = 300;

export const STAGE1 = `exec 2>&1
set -eu
D=$1 HOST=$2 HIDE=$3 FRESH=$4 BINDS=$5 MASKS=$6 STAGE2=$7
shift 7
[ "$1" = -- ] && shift
R=$D/root
nl='
'
IFS=$nl
for p in $HIDE; do
  mkdir -p "$D/upper\${p%/*}"
  rm -rf "$D/upper$p"
  mknod "$D/upper$p" c 0 0
done
mount -t overlay fawkes-instance -o "lowerdir=/,upperdir=$D/upper,workdir=$D/work" "$R"
for entry in $FRESH; do mkdir -m "\${entry%% *}" "$R\${entry#* }"; done
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
for p in sys sysrq-trigger; do
  [ -e "$R/proc/$p" ] || continue
  mount --bind "$R/proc/$p" "$R/proc/$p"
  mount -o remount,bind,ro "$R/proc/$p"
done
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/tmp"
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$R/run"
mount -t tmpfs -o mode=755,nosuid,size=1m tmpfs "$R/dev"
for n in null zero full random urandom tty; do
  : > "$R/dev/$n"
  mount --bind "/dev/$n" "$R/dev/$n"
done
mkdir "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,nosuid,noexec devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
mkdir -m 700 "$R/run/fawkes"
mount --bind "$D/sock" "$R/run/fawkes"
for p in $BINDS; do
  mkdir -p "$R$p"
  mount --bind "$p" "$R$p"
  mount -o remount,bind,ro "$R$p"
done
for p in $MASKS; do mount -t tmpfs -o ro,size=4k,mode=000 tmpfs "$R$p"; done
unset IFS
ip link set lo up
hostname "$HOST"
mkdir "$R/.fawkes-old-root"
cd "$R"
pivot_root . .fawkes-old-root
cd /
umount -l /.fawkes-old-root
rmdir /.fawkes-old-root
exec setpriv --bounding-set -all,${INSTANCE_CAPABILITIES.map((cap) => `+${cap}`).join(",")} -- /bin/bash -c "$STAGE2" fawkes-init "$@"
`;

export const STAGE2 = `ADDR=$1 LOOPBACK=$2 EXPOSED=$3
exec 4<&0 0</dev/null
S=/run/fawkes
wait_for() {
  local i=0
  until "$@"; do
    i=$((i + 1))
    [ "$i" -lt 1000 ] || return 1
    sleep 0.005
  done
}
listening() { grep -q ":$(printf %04X "$1") 00000000:0000 0A" /proc/net/tcp; }
bridge_out() {
  socat -lf /dev/null -t ${HALF_CLOSE_SECONDS} "TCP-LISTEN:$1,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$S/$2.sock" 3>&- 4<&- &
}
expose() {
  [ -S "$S/port-$1.sock" ] && return 0
  socat -lf /dev/null -t ${HALF_CLOSE_SECONDS} "UNIX-LISTEN:$S/port-$1.sock,fork,unlink-early,mode=600" "TCP:$ADDR:$1" 3>&- 4<&- &
  wait_for test -S "$S/port-$1.sock"
}
while read -r port name; do
  [ -n "$port" ] || continue
  bridge_out "$port" "$name"
  wait_for listening "$port" || { echo "fawkes-init: bridge $name on port $port did not start" >&2; exit 1; }
done <<< "$LOOPBACK"
for port in $EXPOSED; do expose "$port" || exit 1; done
echo up >&3
/bin/sh /var/lib/cloud/instance/boot.sh 4<&- &
while read -r command argument <&4; do
  case $command in
    expose)
      if [[ $argument =~ ^[0-9]{1,5}$ ]] && expose "$argument"; then echo "exposed $argument" >&3
      else echo "failed $argument" >&3; fi ;;
    stop)
      [[ $argument =~ ^[0-9]{1,6}$ ]] || argument=0
      kill -TERM -1 2>/dev/null
      for ((i = 0; i < argument; i++)); do
        others=
        for p in /proc/[0-9]*; do [ "\${p#/proc/}" = 1 ] || others=yes; done
        [ -n "$others" ] || break
        sleep 0.01
      done
      exit 0 ;;
  esac
done
exit 0
`;
