#!/bin/sh
# Build the boot archive (format: kern/abi/archive.h) from user programs.
#
#   sh user/mkarchive.sh OUT FILE...
#
# Each FILE is stored under its base name. Layout: the 32-byte header, the
# 64-byte entries, then every file starting on a 4 KiB page (offsets count
# from the start of the header), the whole padded to a page. POSIX sh, dd,
# sed and printf only: plain `make` needs no Python.
set -e

PAGE=4096

# The constants, from the one header that defines them. The magic is split
# into two 32-bit halves: sh arithmetic need not be 64-bit.
hdr=$(dirname "$0")/../kern/abi/archive.h
NAME_MAX=$(sed -n 's/^#define[[:space:]]*ARCHIVE_NAME_MAX[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$hdr")
magic=$(sed -n 's/^#define[[:space:]]*ARCHIVE_MAGIC[[:space:]]*0x\([0-9a-fA-F]\{8\}\)\([0-9a-fA-F]\{8\}\).*/\1 \2/p' "$hdr")
if [ -z "$NAME_MAX" ] || [ -z "$magic" ]; then
	echo "$0: ARCHIVE_NAME_MAX or ARCHIVE_MAGIC not found in $hdr" >&2
	exit 1
fi
MAGIC_HI=$((0x${magic% *}))
MAGIC_LO=$((0x${magic#* }))

if [ $# -lt 1 ]; then
	echo "usage: $0 OUT FILE..." >&2
	exit 2
fi
out=$1
shift

# u32 N: N as 4 little-endian bytes, through printf octal escapes.
u32() {
	printf "\\$(printf %03o $(($1 & 255)))\\$(printf %03o $((($1 >> 8) & 255)))\\$(printf %03o $((($1 >> 16) & 255)))\\$(printf %03o $((($1 >> 24) & 255)))"
}
# u64 N: N (below 2^31) as 8 little-endian bytes.
u64() {
	u32 "$1"
	u32 0
}
size() { wc -c < "$1" | tr -d ' '; }
roundup() { echo $(((($1) + PAGE - 1) / PAGE * PAGE)); }

count=$#
hdr_bytes=$((32 + 64 * count))
off=$(roundup $hdr_bytes)
# First pass: every file's offset, and the total.
for f in "$@"; do
	name=$(basename "$f")
	if [ ${#name} -ge $NAME_MAX ]; then
		echo "$0: name too long: $name" >&2
		exit 1
	fi
	off=$(roundup $((off + $(size "$f"))))
done
total=$off

tmp=$out.tmp.$$	# per process: two makes may run at once
trap 'rm -f "$tmp"' EXIT INT TERM
rm -f "$tmp"
{
	u32 $MAGIC_LO
	u32 $MAGIC_HI
	u64 $count
	u64 $total
	u64 0
	off=$(roundup $hdr_bytes)
	for f in "$@"; do
		name=$(basename "$f")
		sz=$(size "$f")
		printf '%s' "$name"
		dd if=/dev/zero bs=1 count=$((NAME_MAX - ${#name})) 2>/dev/null
		u64 $off
		u64 $sz
		off=$(roundup $((off + sz)))
	done
} > "$tmp"
if [ "$(size "$tmp")" -ne $hdr_bytes ]; then
	echo "$0: internal error: header is $(size "$tmp") bytes, not $hdr_bytes" >&2
	exit 1
fi

off=$(roundup $hdr_bytes)
for f in "$@"; do
	dd if="$f" of="$tmp" bs=$PAGE seek=$((off / PAGE)) conv=notrunc 2>/dev/null
	off=$(roundup $((off + $(size "$f"))))
done
# Pad to the total (the last file may end mid-page).
dd if=/dev/zero of="$tmp" bs=1 count=0 seek=$total 2>/dev/null
mv "$tmp" "$out"
