#!/bin/sh
# Write the boot command line into a disk image, in place:
#
#   sh boot/setcmdline.sh IMG 'text'
#
# The text is cut to BOOT_CMDLINE_MAX - 1 bytes and NUL-padded to
# BOOT_CMDLINE_MAX at sector BOOT_CMDLINE_LBA (kern/abi/bootinfo.h), so
# the kernel sees it without a rebuild. An empty text clears it.
set -e

if [ $# -ne 2 ]; then
	echo "usage: $0 IMG 'command line'" >&2
	exit 2
fi
img=$1 text=$2

hdr=$(dirname "$0")/../kern/abi/bootinfo.h
const() {
	v=$(sed -n "s/^#define[[:space:]]*$1[[:space:]]*\([0-9][0-9]*\).*/\1/p" "$hdr")
	if [ -z "$v" ]; then
		echo "$0: $1 not found in $hdr" >&2
		exit 1
	fi
	echo "$v"
}
LBA=$(const BOOT_CMDLINE_LBA)
MAX=$(const BOOT_CMDLINE_MAX)

if [ ! -f "$img" ]; then
	echo "$0: $img: no such image" >&2
	exit 1
fi
dd if=/dev/zero of="$img" bs=512 count=$(((MAX + 511) / 512)) seek="$LBA" \
	conv=notrunc 2>/dev/null
printf '%s' "$text" | dd of="$img" bs=1 count=$((MAX - 1)) \
	seek=$((LBA * 512)) conv=notrunc 2>/dev/null
