#!/usr/bin/env bash
# Creates and starts a VirtualBox VM that boots only-docker's ISO, with VBoxManage.
#
# The VM is the hardware the ISO is tested against under QEMU: BIOS, Linux 64-bit, an
# Intel PRO/1000 MT (e1000) on NAT, the ISO in a DVD drive on an IDE (PIIX4)
# controller, and a persistent VDI disk on an AHCI (SATA) controller, which Linux
# names /dev/sda. Boot order: DVD, then disk. With --config, a config drive (an ISO
# labelled cidata holding the file as user-data) in a second DVD drive.
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
      --config FILE      a configuration file (YAML) for the init: written as user-data
                         on a config drive, cidata.iso in the VM's folder (ISO 9660
                         labelled cidata, made with xorriso), in a second DVD drive
  -p, --port [ADDR:]HOST:GUEST
                         forward a host TCP port to the guest through NAT (repeatable);
                         on 127.0.0.1 unless ADDR names another address (0.0.0.0: every
                         interface); udp:[ADDR:]HOST:GUEST forwards UDP
      --no-serial        no serial port (by default COM1 is written to serial.log in
                         the VM's folder: the default boot entry's console is there)
      --headless         start without a window (VBoxManage startvm --type headless)
      --no-start         create the VM but do not start it
      --replace          unregister and delete an existing VM of that name first
                         (its DOCKER disk is detached first and kept)
      --dry-run          print every VBoxManage call instead of running it
  -h, --help             this help

Environment: VBOXMANAGE (the VBoxManage program to run), XORRISO (the xorriso that
makes the config drive).

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
config=''
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
    --config) need_value "$@"; config=$2; shift 2 ;;
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
  [[ $spec =~ ^(([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}):)?([0-9]+):([0-9]+)$ ]] ||
    die "--port takes [ADDR:]HOST:GUEST (or udp:[ADDR:]HOST:GUEST), not \"$port\""
  # Only this machine by default: a forwarded Docker API or a database should not face
  # the network unless the user says so with an address.
  address=${BASH_REMATCH[2]:-127.0.0.1}
  # Rule format: name,protocol,host ip,host port,guest ip,guest port.
  nat_rules+=("$proto-${BASH_REMATCH[3]},$proto,$address,${BASH_REMATCH[3]},,${BASH_REMATCH[4]}")
done

# The ISO: beside the release's dist/, else dist/ of a repository checkout.
if [[ -z $iso ]]; then
  iso=$(cd "$here/.." && pwd)/only-docker.iso
  [[ -f $iso || ! -f $here/../dist/only-docker.iso ]] || iso=$(cd "$here/../dist" && pwd)/only-docker.iso
fi
[[ -f $iso ]] || die "the ISO $iso does not exist (build it with \"make iso\", or give --iso PATH)"
iso=$(cd "$(dirname "$iso")" && pwd)/$(basename "$iso")

if [[ -n $config ]]; then
  [[ -e $config ]] || die "--config: $config does not exist"
  [[ -f $config ]] || die "--config: $config is not a regular file"
  [[ -r $config ]] || die "--config: $config cannot be read (its permissions)"
  config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")
fi

vboxmanage=${VBOXMANAGE:-VBoxManage}
if [[ $dry_run == 0 ]] && ! command -v "$vboxmanage" >/dev/null 2>&1; then
  die "$vboxmanage not found: install VirtualBox (https://www.virtualbox.org), or use --dry-run to see the calls"
fi
xorriso=${XORRISO:-xorriso}
if [[ -n $config && $dry_run == 0 ]] && ! command -v "$xorriso" >/dev/null 2>&1; then
  die "$xorriso not found, needed for --config to make the config drive: install xorriso (Debian/Ubuntu: apt-get install xorriso)"
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
config_iso=$vm_dir/cidata.iso

# The config drive as clouds and lima make it (NoCloud): ISO 9660 labelled cidata with
# user-data (a copy of the file) and an empty meta-data; Joliet and Rock Ridge keep the
# names as they are. Made anew at every run, so it always holds the file given now.
make_config_drive() {
  local files
  if [[ $dry_run == 1 ]]; then
    printf '# the config drive: user-data (%q) and an empty meta-data in DIR, then\n' "$config"
    printf '%q' "$xorriso"
    printf ' %q' -as mkisofs -V cidata -J -r -o "$config_iso" DIR
    printf '\n'
    return 0
  fi
  files=$(mktemp -d) || die "cannot make a temporary directory for the config drive"
  cp "$config" "$files/user-data" && : >"$files/meta-data" || { rm -rf "$files"; die "cannot copy $config for the config drive"; }
  mkdir -p "$vm_dir"
  if ! "$xorriso" -as mkisofs -quiet -V cidata -J -r -o "$config_iso" "$files" >/dev/null 2>&1; then
    rm -rf "$files"
    die "xorriso could not make the config drive $config_iso from $config"
  fi
  rm -rf "$files"
}

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
if [[ -n $config ]]; then
  # After createvm: --replace deletes the old VM's folder, and this file with it.
  make_config_drive
  # The secondary master: Linux names it /dev/sr1; the boot stays on the first DVD.
  vbox storageattach "$name" --storagectl IDE --port 1 --device 0 --type dvddrive --medium "$config_iso"
fi

if [[ $start == 1 ]]; then
  vbox startvm "$name" --type "$start_type"
  [[ $dry_run == 1 ]] || echo "create-vm.sh: started \"$name\"; a new disk is blank: boot the menu entry \"prepare a blank disk /dev/sda as DOCKER\" once" >&2
fi
