#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, when they are missing.
# Run as root (or with sudo available). Safe to run again: it only installs what lacks.
set -euo pipefail

# program-or-file -> Debian package
declare -A needs=(
  [apt-get]=apt
  [dpkg-deb]=dpkg
  [depmod]=kmod
  [zstd]=zstd
  [strip]=binutils
  [readelf]=binutils
  [cpio]=cpio
  [mkfs.ext4]=e2fsprogs
  [e2fsck]=e2fsprogs
  [qemu-system-x86_64]=qemu-system-x86
  [qemu-img]=qemu-utils
  [xorriso]=xorriso
  [mformat]=mtools
  [/usr/lib/ISOLINUX/isohdpfx.bin]=isolinux
  [/usr/lib/syslinux/modules/bios/ldlinux.c32]=syslinux-common
  [/usr/lib/grub/x86_64-efi/modinfo.sh]=grub-efi-amd64-bin
  [/usr/share/OVMF/OVMF_CODE.fd]=ovmf
  # The benchmark's timeline picture as PNG (1.6 MB; the SVG is written without it).
  [rsvg-convert]=librsvg2-bin
)

missing=()
for need in "${!needs[@]}"; do
  if [[ $need == /* ]]; then
    [[ -e $need ]] && continue
  else
    PATH="$PATH:/usr/sbin:/sbin" command -v "$need" >/dev/null 2>&1 && continue
  fi
  missing+=("${needs[$need]}")
done

# The build fetches Debian packages with apt-get download: it needs package lists.
lists_empty=0
compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || lists_empty=1

if ((${#missing[@]} == 0 && lists_empty == 0)); then
  echo "host packages: all present"
  exit 0
fi

if ((${#missing[@]} > 0)); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "host packages to install: ${missing[*]}"
fi
sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "not root and no sudo: install ${missing[*]} by hand" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
if ((${#missing[@]} > 0)); then
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
