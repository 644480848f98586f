#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: the speed targets, measured, never asserted by a test.
# Runs `make check` once (warm when the kernel is cached) into its own
# output directory and reports, against the targets the issues set:
#   make check wall time    warm <= 180 s, cold <= 1200 s (2 cores)
#   kernel build            the cold part, as measured when it was built
#   boot time per profile   informational
#   edu DMA throughput      informational (QEMU TCG bound)
#   stress ops/s            informational
# Exits non-zero only if make check itself failed.
set -uo pipefail
. "$(dirname "$0")/vm/common.sh"
cd "$REPO"

OUT=$CACHE/bench
warm=cold
ls "$CACHE"/build/*/.built >/dev/null 2>&1 && warm=warm
start=$(date +%s)
P2P_OUT=$OUT bash tests/check.sh >"$CACHE/bench.log" 2>&1
rc=$?
wall=$(($(date +%s) - start))

row() { printf '%-34s %12s %12s  %s\n' "$@"; }
verdict() { [ "$1" -le "$2" ] && echo met || echo MISSED; }
echo
row metric value target verdict
if [ $warm = warm ]; then
	row "make check wall (warm)" "${wall} s" "<= 180 s" "$(verdict "$wall" 180)"
else
	row "make check wall (cold)" "${wall} s" "<= 1200 s" "$(verdict "$wall" 1200)"
fi
kb=$(cat "$CACHE"/build/"$(kernel_key)"/.build-seconds 2>/dev/null || echo "?")
row "test kernel build (cold part)" "${kb} s" "-" ""
for d in "$OUT"/boot-*; do
	[ -f "$d/seconds" ] && row "boot ${d##*/boot-}" "$(cat "$d/seconds") s" "-" ""
done
for prof in noiommu iommu; do
	r=$OUT/boot-$prof/results.log
	[ -f "$r" ] || continue
	# The guest's serial lines end in CR LF.
	tr -d '\r' <"$r" |
		sed -n 's/^# edu \(wrote\|read\) \([0-9]*\) bytes .* in \([0-9]*\) ms (\([0-9.]*\) KiB\/s)$/\1 \4/p' |
		while read -r dir kib; do
			row "edu $dir throughput ($prof)" "$kib KiB/s" "-" ""
		done
	ops=$(sed -n 's/^# total *[0-9]* *\([0-9.]*\) .*/\1/p' "$r" | head -1)
	[ -n "$ops" ] && row "stress ops/s ($prof)" "$ops" "-" ""
done
[ $rc -eq 0 ] || echo "make check failed (rc=$rc): see $CACHE/bench.log" >&2
exit $rc
