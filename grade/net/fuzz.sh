#!/bin/sh
# The fuzz step of `make test` (grade/tests_net.py, net-fuzz): libFuzzer
# for FUZZ_SECONDS (default 30) when clang can build it, then always the
# gcc regression runner (ASan/UBSan) over the seed corpus and a few
# thousand deterministic mutations of it. Exits non-zero on any crash.
set -e
cd "$(dirname "$0")/../.."
corpus=grade/net/corpus
secs=${FUZZ_SECONDS:-30}
if command -v clang >/dev/null 2>&1 && make -s net-fuzz >/dev/null 2>&1; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	cp "$corpus"/* "$work"/
	echo "libFuzzer: ${secs}s over a copy of $corpus"
	# a crash leaves crash-* in $work and a non-zero status
	obj/host/grade/net/fuzz_input -max_total_time="$secs" -max_len=4096 \
		-print_final_stats=1 -artifact_prefix="$work/" "$work" 2>&1 | tail -n 12
	status=$?
	if ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* >/dev/null 2>&1; then
		echo "FAIL libFuzzer found a crash:"
		ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null
		exit 1
	fi
else
	echo "libFuzzer: no clang; the regression runner only"
fi
obj/host/grade/net/fuzz_regress -m "${FUZZ_MUTATIONS:-3000}" "$corpus"
