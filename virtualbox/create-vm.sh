#!/usr/bin/env bash
# Creates and starts a VirtualBox VM that boots only-docker's ISO, with VBoxManage.
#
# The VM is the hardware the ISO is tested against under QEMU: BIOS, Linux 64-bit, an
# Intel PRO/1000 MT (e1000) on NAT, the ISO in a DVD drive on an IDE (PIIX4)
# controller, and a persistent VDI disk on an AHCI (SATA) controller, which Linux
# names /dev/sda. Boot order: DVD, then disk.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
  cat <<EOF
Usage: $(basename "$0") [options]

Creates a VirtualBox VM for only-docker's ISO and starts it.

Options:
  -n, --name NAME        VM name (default: only-docker)
  -m, --memory MB        memory in MiB (default: 2048)
  -c, --cpus N           virtual CPUs (default: 2)
      --iso PATH         the ISO (default: ../only-docker.iso beside this script)
      --disk PATH        the persistent disk, a VDI (default: docker.vdi in the VM's folder);
                         an existing one is attached as it is, never recreated
      --disk-size SIZE   size of a disk created now, in MiB or with a G suffix (default: 8G)
      --basefolder DIR   where VirtualBox keeps the VM (default: VirtualBox's own)
  -p, --port HOST:GUEST  forward a host TCP port to the guest through NAT (repeatable);
                         udp:HOST:GUEST forwards UDP
      --no-serial        no serial port (by default COM1 is written to serial.log in
                         the VM's folder: the default boot entry's console is there)
      --headless         start without a window (VBoxManage startvm --type headless)
      --no-start         create the VM but do not start it
      --replace          unregister and delete an existing VM of that name first
                         (its DOCKER disk is detached first and kept)
      --dry-run          print every VBoxManage call instead of running it
  -h, --help             this help

Environment: VBOXMANAGE (the VBoxManage program to run).

A new disk is blank. Pick "only-docker (prepare a blank disk /dev/sda as DOCKER)" in
the boot menu once: the init formats the blank disk as ext4 labelled DOCKER and mounts
it on /var/lib/docker; later boots (the default entry) mount it.
EOF
}

die() {
  echo "create-vm.sh: $*" >&2
  exit 1
}

name=only-docker
memory=2048
cpus=2
iso=''
disk=''
disk_size=8G
basefolder=''
serial=1
start_type=gui
start=1
replace=0
dry_run=0
ports=()

need_value() {
  [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value (see --help)"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    -n | --name) need_value "$@"; name=$2; shift 2 ;;
    -m | --memory) need_value "$@"; memory=$2; shift 2 ;;
    -c | --cpus) need_value "$@"; cpus=$2; shift 2 ;;
    --iso) need_value "$@"; iso=$2; shift 2 ;;
    --disk) need_value "$@"; disk=$2; shift 2 ;;
    --disk-size) need_value "$@"; disk_size=$2; shift 2 ;;
    --basefolder) need_value "$@"; basefolder=$2; shift 2 ;;
    -p | --port) need_value "$@"; ports+=("$2"); shift 2 ;;
    --no-serial) serial=0; shift ;;
    --headless) start_type=headless; shift ;;
    --no-start) start=0; shift ;;
    --replace) replace=1; shift ;;
    --dry-run) dry_run=1; shift ;;
    *) die "unknown option \"$1\" (see --help)" ;;
  esac
done

[[ $memory =~ ^[0-9]+$ ]] || die "--memory takes MiB as a number, not \"$memory\""
[[ $cpus =~ ^[1-9][0-9]*$ ]] || die "--cpus takes a number, not \"$cpus\""
[[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "--name takes letters, digits, '.', '_' and '-', not \"$name\""
case "$disk_size" in
  *[gG]) [[ ${disk_size%[gG]} =~ ^[0-9]+$ ]] || die "--disk-size takes MiB or a number with G, not \"$disk_size\""
    disk_mb=$(( ${disk_size%[gG]} * 1024 )) ;;
  *[mM]) [[ ${disk_size%[mM]} =~ ^[0-9]+$ ]] || die "--disk-size takes MiB or a number with G, not \"$disk_size\""
    disk_mb=${disk_size%[mM]} ;;
  *) [[ $disk_size =~ ^[0-9]+$ ]] || die "--disk-size takes MiB or a number with G, not \"$disk_size\""
    disk_mb=$disk_size ;;
esac

# Checked before any call, so a typo never leaves a half-made VM.
nat_rules=()
for port in "${ports[@]}"; do
  proto=tcp
  spec=$port
  case "$spec" in tcp:* | udp:*) proto=${spec%%:*}; spec=${spec#*:} ;; esac
  [[ $spec =~ ^([0-9]+):([0-9]+)$ ]] || die "--port takes HOST:GUEST (or udp:HOST:GUEST), not \"$port\""
  # Rule format: name,protocol,host ip,host port,guest ip,guest port.
  nat_rules+=("$proto-${BASH_REMATCH[1]},$proto,,${BASH_REMATCH[1]},,${BASH_REMATCH[2]}")
done

# The ISO: beside the release's dist/, else dist/ of a repository checkout.
if [[ -z $iso ]]; then
  iso=$(cd "$here/.." && pwd)/only-docker.iso
  [[ -f $iso || ! -f $here/../dist/only-docker.iso ]] || iso=$(cd "$here/../dist" && pwd)/only-docker.iso
fi
[[ -f $iso ]] || die "the ISO $iso does not exist (build it with \"make iso\", or give --iso PATH)"
iso=$(cd "$(dirname "$iso")" && pwd)/$(basename "$iso")

vboxmanage=${VBOXMANAGE:-VBoxManage}
if [[ $dry_run == 0 ]] && ! command -v "$vboxmanage" >/dev/null 2>&1; then
  die "$vboxmanage not found: install VirtualBox (https://www.virtualbox.org), or use --dry-run to see the calls"
fi

# Every call that changes something goes through here, so --dry-run shows them all.
vbox() {
  if [[ $dry_run == 1 ]]; then
    printf '%q' "$vboxmanage"
    printf ' %q' "$@"
    printf '\n'
  else
    "$vboxmanage" "$@"
  fi
}

# Read-only questions: in a dry run nothing exists yet, and nothing is asked.
vm_exists() {
  [[ $dry_run == 0 ]] && "$vboxmanage" showvminfo "$name" --machinereadable >/dev/null 2>&1
}

vbox_home=${basefolder:-${VBOX_USER_VM_FOLDER:-$HOME/VirtualBox VMs}}
vm_dir=$vbox_home/$name
[[ -n $disk ]] || disk=$vm_dir/docker.vdi

if vm_exists; then
  [[ $replace == 1 ]] || die "a VM named \"$name\" exists: start it with \"$vboxmanage startvm $name\", or use --replace"
  # Detach the disk first, so --delete removes only what belongs to the VM.
  vbox storageattach "$name" --storagectl SATA --port 0 --device 0 --medium none || true
  vbox unregistervm "$name" --delete
fi

create_args=(createvm --name "$name" --ostype Linux_64 --register)
[[ -z $basefolder ]] || create_args+=(--basefolder "$basefolder")
vbox "${create_args[@]}"

modify_args=(
  modifyvm "$name"
  --firmware bios
  --memory "$memory"
  --cpus "$cpus"
  --ioapic on
  --vram 16
  --rtcuseutc on
  --nic1 nat
  --nictype1 82540EM
  --boot1 dvd
  --boot2 disk
  --boot3 none
  --boot4 none
)
if [[ $serial == 1 ]]; then
  modify_args+=(--uart1 0x3F8 4 --uartmode1 file "$vm_dir/serial.log")
fi
vbox "${modify_args[@]}"

for rule in "${nat_rules[@]}"; do
  vbox modifyvm "$name" --natpf1 "$rule"
done

vbox storagectl "$name" --name SATA --add sata --controller IntelAhci --portcount 1 --bootable on
if [[ -e $disk ]]; then
  echo "create-vm.sh: attaching the existing disk $disk" >&2
else
  vbox createmedium disk --filename "$disk" --size "$disk_mb" --format VDI --variant Standard
fi
vbox storageattach "$name" --storagectl SATA --port 0 --device 0 --type hdd --medium "$disk"

vbox storagectl "$name" --name IDE --add ide --controller PIIX4 --bootable on
vbox storageattach "$name" --storagectl IDE --port 0 --device 0 --type dvddrive --medium "$iso"

if [[ $start == 1 ]]; then
  vbox startvm "$name" --type "$start_type"
  [[ $dry_run == 1 ]] || echo "create-vm.sh: started \"$name\"; a new disk is blank: boot the menu entry \"prepare a blank disk /dev/sda as DOCKER\" once" >&2
fi
