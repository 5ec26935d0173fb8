#!/bin/sh
# Build Chitin's raw boot disk image (layout: kern/abi/bootinfo.h).
#
#   sh boot/mkimage.sh OUT BOOTBIN LOADERBIN KERNELELF [ARCHIVE]
#
# The boot table (struct boot_table) records where the kernel and the
# optional boot archive lie; the archive follows the kernel. The
# command-line sectors are left zero (an empty command line);
# boot/setcmdline.sh fills them in a copy of the image. The image is
# padded to whole cylinders of 16 heads x 63 sectors, the geometry Bochs
# infers for a flat image, and to at least MIN_CYLS of them.
set -e

MIN_CYLS=9		# 9 x 504 KiB: a little over 4 MiB
SECTS_PER_CYL=1008	# 16 heads x 63 sectors

if [ $# -ne 4 ] && [ $# -ne 5 ]; then
	echo "usage: $0 OUT BOOTBIN LOADERBIN KERNELELF [ARCHIVE]" >&2
	exit 2
fi
out=$1 bootbin=$2 loaderbin=$3 kernel=$4 archive=${5:-}

# The layout constants, from the one header that defines them.
hdr=$(dirname "$0")/../kern/abi/bootinfo.h
const() {
	v=$(sed -n "s/^#define[[:space:]]*$1[[:space:]]*\(0x[0-9a-fA-F]*\|[0-9]*\).*/\1/p" "$hdr")
	if [ -z "$v" ]; then
		echo "$0: $1 not found in $hdr" >&2
		exit 1
	fi
	echo "$v"
}
LOADER_LBA=$(const BOOT_LOADER_LBA)
LOADER_SECTORS=$(const BOOT_LOADER_SECTORS)
TABLE_LBA=$(const BOOT_TABLE_LBA)
TABLE_MAGIC=$(const BOOT_TABLE_MAGIC)
KERNEL_LBA=$(const BOOT_KERNEL_LBA)

size() { wc -c < "$1" | tr -d ' '; }
sectors() { echo $((($(size "$1") + 511) / 512)); }

# A 64-bit little-endian integer, as printf octal escapes.
le64() {
	v=$1 i=0
	while [ $i -lt 8 ]; do
		printf "\\$(printf %o $((v & 255)))"
		v=$((v >> 8)) i=$((i + 1))
	done
}

if [ "$(size "$bootbin")" -ne 512 ]; then
	echo "$0: $bootbin is not 512 bytes" >&2
	exit 1
fi
if [ "$(size "$loaderbin")" -gt $((LOADER_SECTORS * 512)) ]; then
	echo "$0: $loaderbin is larger than $LOADER_SECTORS sectors" >&2
	exit 1
fi

kbytes=$(size "$kernel")
end=$((KERNEL_LBA + $(sectors "$kernel")))
alba=0 abytes=0
if [ -n "$archive" ]; then
	alba=$end abytes=$(size "$archive")
	end=$((end + $(sectors "$archive")))
fi
cyls=$(((end + SECTS_PER_CYL - 1) / SECTS_PER_CYL))
[ "$cyls" -ge "$MIN_CYLS" ] || cyls=$MIN_CYLS

tmp=$out.tmp
rm -f "$tmp"
# A zero-filled image of the final size, then each piece in place.
dd if=/dev/zero of="$tmp" bs=512 count=0 seek=$((cyls * SECTS_PER_CYL)) 2>/dev/null
dd if="$bootbin" of="$tmp" bs=512 conv=notrunc 2>/dev/null
dd if="$loaderbin" of="$tmp" bs=512 seek="$LOADER_LBA" conv=notrunc 2>/dev/null
{ le64 "$TABLE_MAGIC"; le64 "$KERNEL_LBA"; le64 "$kbytes"; le64 "$alba"; le64 "$abytes"; } |
	dd of="$tmp" bs=512 seek="$TABLE_LBA" conv=notrunc 2>/dev/null
dd if="$kernel" of="$tmp" bs=512 seek="$KERNEL_LBA" conv=notrunc 2>/dev/null
if [ -n "$archive" ]; then
	dd if="$archive" of="$tmp" bs=512 seek="$alba" conv=notrunc 2>/dev/null
fi
mv "$tmp" "$out"
