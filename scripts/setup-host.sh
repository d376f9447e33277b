#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, when they are missing.
# Run as root (or with sudo available). Safe to run again: it only installs what lacks.
set -euo pipefail

# program-or-file -> Debian package
declare -A needs=(
  # The payload comes from the lock (only-docker.lock.json): the builder fetches Debian's
  # signed indexes and packages itself; the host's apt lists play no part. gpgv and the
  # archive keyring check the InRelease signatures, xz reads the indexes only served as .xz.
  [gpgv]=gpgv
  [/usr/share/keyrings/debian-archive-keyring.gpg]=debian-archive-keyring
  [xz]=xz-utils
  # The unit tests sign a small archive with a throwaway key.
  [gpg]=gnupg
  [dpkg-deb]=dpkg
  [depmod]=kmod
  [zstd]=zstd
  [strip]=binutils
  # The system image (Docker's binaries, mounted by the init) is a squashfs: only for initrd.layout "system-image".
  [mksquashfs]=squashfs-tools
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
  # The VM tests log into the console over SSH, with a key they make.
  [ssh]=openssh-client
  [ssh-keygen]=openssh-client
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

if ((${#missing[@]} == 0)); then
  echo "host packages: all present"
  exit 0
fi

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "host packages to install: ${missing[*]}"
sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "not root and no sudo: install ${missing[*]} by hand" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# The host's own package lists, for installing these tools only.
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
