#!/usr/bin/env bash
# Boots only-docker under QEMU with the serial console in this terminal.
#
# The kernel and initrd are found relative to this script (../vmlinuz, ../initrd.img),
# so an unpacked release works wherever it is. On the first run a disk image labelled
# DOCKER is created beside the script and attached: the init mounts it on
# /var/lib/docker, so images and containers survive a reboot.
#
# The VM's Docker API is forwarded to localhost:2376 with TLS (od.remote=tls), and the
# init copies the client certificates into certs/ beside this script through a
# virtio-9p share, so the docker CLI here can use it at once (the lines to paste are
# printed at start).
set -euo pipefail

# The builder replaces the next line with the configured default (config: kernel.cmdline).
# The last console= is /dev/console, where the init and the console container talk.
DEFAULT_CMDLINE='console=tty0 console=ttyS0,115200'

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
  cat <<EOF
Usage: $(basename "$0") [options] [-- extra qemu arguments]

Boots only-docker (../vmlinuz and ../initrd.img beside this script) under QEMU, with
the serial console in this terminal. Quit with Ctrl-a x.

Options:
  -m, --memory MB        guest memory in MiB (default: 2048)
  -c, --cpus N           virtual CPUs (default: 2)
      --accel MODE       kvm, tcg or auto (default: auto: KVM when it works, else TCG)
      --disk PATH        the persistent disk image (default: docker.img beside this script);
                         created, sparse, and formatted ext4 labelled DOCKER when missing
      --disk-size SIZE   size of a disk created now (default: 8G)
      --no-disk          no persistent disk: Docker keeps everything in RAM
      --append ARGS      extra kernel command line options (e.g. "od.debug")
  -p, --port HOST:GUEST  forward a host TCP port to the guest (repeatable);
                         udp:HOST:GUEST forwards UDP
      --remote-port PORT the port on localhost for the VM's Docker API over TLS
                         (default: 2376); the VM is booted with od.remote=tls
      --certs DIR        where the VM puts the client certificates for that API
                         (default: certs beside this script)
      --no-remote        no remote API: no od.remote=tls, port or certificate share
      --iso [PATH]       boot the ISO (default: ../only-docker.iso) instead of the kernel
      --dry-run          print the QEMU command instead of running it
  -h, --help             this help

Environment: QEMU (the qemu-system-x86_64 to run), OD_DIST (where vmlinuz and
initrd.img are, instead of the directory above this script).
EOF
}

die() {
  echo "run.sh: $*" >&2
  exit 1
}

memory=2048
cpus=2
accel=auto
disk="$here/docker.img"
disk_size=8G
use_disk=1
append=''
iso=''
dry_run=0
ports=()
extra=()
remote_port=2376
remote=1
certs="$here/certs"

need_value() {
  [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value (see --help)"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    -m | --memory) need_value "$@"; memory=$2; shift 2 ;;
    --memory=*) memory=${1#*=}; shift ;;
    -c | --cpus) need_value "$@"; cpus=$2; shift 2 ;;
    --cpus=*) cpus=${1#*=}; shift ;;
    --accel) need_value "$@"; accel=$2; shift 2 ;;
    --accel=*) accel=${1#*=}; shift ;;
    --disk) need_value "$@"; disk=$2; use_disk=1; shift 2 ;;
    --disk=*) disk=${1#*=}; use_disk=1; shift ;;
    --disk-size) need_value "$@"; disk_size=$2; shift 2 ;;
    --disk-size=*) disk_size=${1#*=}; shift ;;
    --no-disk) use_disk=0; shift ;;
    --append) need_value "$@"; append="$append $2"; shift 2 ;;
    --append=*) append="$append ${1#*=}"; shift ;;
    -p | --port) need_value "$@"; ports+=("$2"); shift 2 ;;
    --port=*) ports+=("${1#*=}"); shift ;;
    --remote-port) need_value "$@"; remote_port=$2; remote=1; shift 2 ;;
    --remote-port=*) remote_port=${1#*=}; remote=1; shift ;;
    --certs) need_value "$@"; certs=$2; shift 2 ;;
    --certs=*) certs=${1#*=}; shift ;;
    --no-remote) remote=0; shift ;;
    --iso)
      # The path is optional: the next word is taken only when it is not an option.
      if [[ $# -ge 2 && $2 != -* ]]; then iso=$2; shift 2; else iso=default; shift; fi ;;
    --iso=*) iso=${1#*=}; shift ;;
    --dry-run) dry_run=1; shift ;;
    --) shift; extra=("$@"); break ;;
    *) die "unknown option \"$1\" (see --help)" ;;
  esac
done

[[ $memory =~ ^[0-9]+$ ]] || die "--memory takes MiB as a number, not \"$memory\""
[[ $cpus =~ ^[1-9][0-9]*$ ]] || die "--cpus takes a number, not \"$cpus\""
case "$accel" in kvm | tcg | auto) ;; *) die "--accel takes kvm, tcg or auto, not \"$accel\"" ;; esac
[[ $remote_port =~ ^[1-9][0-9]{0,4}$ && $remote_port -le 65535 ]] || die "--remote-port takes a TCP port number, not \"$remote_port\""

qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null 2>&1 ||
  die "$qemu not found: install QEMU (Debian/Ubuntu: apt-get install qemu-system-x86)"

# Where the kernel is: OD_DIST, else the directory above this script (dist/ of a
# release), else dist/ of a repository checkout (kvm/run.sh run in place).
dist=${OD_DIST:-$(cd "$here/.." && pwd)}
if [[ -z ${OD_DIST:-} && ! -f $dist/vmlinuz && -f $dist/dist/vmlinuz ]]; then dist=$dist/dist; fi

# Finds mkfs.ext4 also where a user's PATH may not look (it lives in /sbin).
find_mkfs() {
  local dir
  command -v mkfs.ext4 2>/dev/null && return 0
  for dir in /usr/sbin /sbin /usr/local/sbin; do
    [[ -x $dir/mkfs.ext4 ]] && { echo "$dir/mkfs.ext4"; return 0; }
  done
  return 1
}

create_disk() {
  local mkfs
  mkfs=$(find_mkfs) || die "mkfs.ext4 not found, needed to create the disk $disk: install e2fsprogs (apt-get install e2fsprogs), or run with --no-disk"
  echo "run.sh: creating the persistent disk $disk ($disk_size, sparse, ext4 labelled DOCKER)" >&2
  mkdir -p "$(dirname "$disk")"
  truncate -s "$disk_size" "$disk.tmp" || die "cannot create $disk ($disk_size)"
  # Written under a temporary name so an interrupted format never leaves a half disk.
  "$mkfs" -q -F -L DOCKER "$disk.tmp" || { rm -f "$disk.tmp"; die "mkfs.ext4 failed on $disk"; }
  mv "$disk.tmp" "$disk"
}

# KVM is used only when it can actually start a vCPU: on some hosts /dev/kvm opens but
# "-cpu host" aborts (e.g. failing to set MSR 0x10a); that is caught here, before boot.
kvm_works() {
  [[ -r /dev/kvm && -w /dev/kvm ]] || { kvm_problem="/dev/kvm is missing or not accessible"; return 1; }
  local out
  if out=$(echo quit | timeout 20 "$qemu" -accel kvm -cpu host -S -nodefaults -no-user-config \
    -display none -monitor stdio 2>&1 >/dev/null); then
    return 0
  fi
  kvm_problem=$(printf '%s\n' "$out" | grep -v '^QEMU\|^(qemu)' | head -n 1)
  kvm_problem=${kvm_problem:-QEMU could not start a KVM vCPU}
  return 1
}

kvm_problem=''
case "$accel" in
  kvm) accel_args=(-accel kvm -cpu host) ;;
  tcg) accel_args=(-accel tcg) ;;
  auto)
    if kvm_works; then
      accel_args=(-accel kvm -cpu host)
    else
      echo "run.sh: KVM is not usable ($kvm_problem); using TCG emulation, which is much slower (--accel to choose)" >&2
      accel_args=(-accel tcg)
    fi ;;
esac

# User-mode networking (the guest's DHCP client gets 10.0.2.15) with the forwarded ports.
nic=user,model=virtio-net-pci
for port in "${ports[@]}"; do
  proto=tcp
  spec=$port
  case "$spec" in tcp:* | udp:*) proto=${spec%%:*}; spec=${spec#*:} ;; esac
  [[ $spec =~ ^([0-9]+):([0-9]+)$ ]] || die "--port takes HOST:GUEST (or udp:HOST:GUEST), not \"$port\""
  nic="$nic,hostfwd=$proto::${BASH_REMATCH[1]}-:${BASH_REMATCH[2]}"
done

# The remote API: localhost only on this side (TLS with client certificates guards it
# anyway, but nobody else on the network needs to knock), 2376 in the guest.
if [[ $remote == 1 ]]; then
  nic="$nic,hostfwd=tcp:127.0.0.1:$remote_port-:2376"
fi

args=(
  "${accel_args[@]}"
  -m "$memory"
  -smp "$cpus"
  -nographic
  -nic "$nic"
)

if [[ -n $iso ]]; then
  [[ $iso == default ]] && iso=$dist/only-docker.iso
  [[ -f $iso ]] || die "the ISO $iso does not exist (build it with \"make iso\")"
  [[ -z ${append// /} ]] || echo "run.sh: --append is ignored with --iso: the ISO's boot menu has the command line" >&2
  args+=(-cdrom "$iso" -boot d)
else
  for file in vmlinuz initrd.img; do
    [[ -f $dist/$file ]] || die "$dist/$file does not exist: run \"make build\" in the repository, or unpack a release and run its dist/kvm/run.sh"
  done
  # Before --append, so that an od.remote=off there still wins (the last one counts).
  if [[ $remote == 1 ]]; then append=" od.remote=tls$append"; fi
  cmdline="$DEFAULT_CMDLINE${append}"
  args+=(-kernel "$dist/vmlinuz" -initrd "$dist/initrd.img" -append "${cmdline# }")
fi

if [[ $use_disk == 1 ]]; then
  if [[ ! -e $disk ]]; then
    if [[ $dry_run == 1 ]]; then
      echo "run.sh: would create $disk ($disk_size, ext4 labelled DOCKER)" >&2
    else
      create_disk
    fi
  fi
  args+=(-drive "file=$disk,format=raw,if=virtio")
fi

# The certificate share: the init finds it by its tag (odcerts) and copies client/
# into it. security_model=none: files are created as the user running QEMU, with the
# modes the guest gives them (key.pem 0600), and no xattrs are needed on this side.
if [[ $remote == 1 ]]; then
  if [[ $dry_run == 0 ]]; then
    mkdir -p "$certs" && chmod 700 "$certs" || die "cannot create the certificate directory $certs (--certs)"
  fi
  certs=$(cd "$certs" 2>/dev/null && pwd || echo "$certs")
  [[ $certs != *,* ]] || die "QEMU cannot share a directory whose path has a comma: $certs (--certs)"
  args+=(-virtfs "local,path=$certs,mount_tag=odcerts,security_model=none,id=odcerts")
fi

args+=("${extra[@]}")

if [[ $dry_run == 1 ]]; then
  printf '%q' "$qemu"
  printf ' %q' "${args[@]}"
  printf '\n'
  exit 0
fi

if [[ $remote == 1 ]]; then
  # Something already answering there would make QEMU fail with a terse message.
  if (exec 3<>"/dev/tcp/127.0.0.1/$remote_port") 2>/dev/null; then
    die "port $remote_port on localhost is in use (another only-docker?): choose another with --remote-port, or --no-remote"
  fi
  [[ -z $iso ]] || echo "run.sh: with --iso the boot menu's command line counts: add od.remote=tls there for the remote API" >&2
  echo "run.sh: the VM's Docker API will be on localhost:$remote_port (TLS); once it has booted, from this machine:" >&2
  printf 'run.sh:   export DOCKER_HOST=tcp://localhost:%s DOCKER_CERT_PATH=%q DOCKER_TLS_VERIFY=1\n' "$remote_port" "$certs" >&2
fi
echo "run.sh: only-docker's serial console follows; quit with Ctrl-a x" >&2
# exec: QEMU takes this process's place, so a signal to it reaches QEMU.
exec "$qemu" "${args[@]}"
