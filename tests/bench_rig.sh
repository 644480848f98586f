#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench-rig`: the rig's own speed targets, measured, never asserted.
# Runs the full `make check` once and `make check P=noiommu` once (warm when
# the kernel is cached), each into its own output directory, and reports
# against the targets the issues set (2 cores, warm):
#   full make check          <= 60 s of wall time per VM boot, on average
#   one profile + host checks <= 90 s
#   kernel build, boot times, edu DMA throughput, stress ops/s: informational
# Exits non-zero only if a make check itself failed.
set -uo pipefail
. "$(dirname "$0")/vm/common.sh"
cd "$REPO"

warm=cold
ls "$CACHE"/build/*/.built >/dev/null 2>&1 && warm=warm
timed() {	# OUTDIR LOG [P]: runs make check, prints its wall seconds
	local start rc
	start=$(date +%s)
	P=${3:-} P2P_OUT=$1 bash tests/check.sh >"$2" 2>&1
	rc=$?
	echo "$(($(date +%s) - start)) $rc"
}
read -r wall rc < <(timed "$CACHE/bench" "$CACHE/bench.log")
read -r wall1 rc1 < <(timed "$CACHE/bench-one" "$CACHE/bench-one.log" noiommu)
boots=$(find "$CACHE/bench" -maxdepth 2 -name seconds | wc -l)

row() { printf '%-40s %12s %12s  %s\n' "$@"; }
verdict() { [ "$1" -le "$2" ] && echo met || echo MISSED; }
echo
row metric value target verdict
row "make check wall ($warm)" "${wall} s" "-" ""
row "  VM boots" "$boots" "-" ""
if [ "$boots" -gt 0 ]; then
	per=$((wall / boots))
	row "  wall per VM boot ($warm)" "${per} s" "<= 60 s" "$([ $warm = warm ] && verdict "$per" 60)"
fi
row "make check P=noiommu wall (warm)" "${wall1} s" "<= 90 s" "$(verdict "$wall1" 90)"
kb=$(cat "$CACHE"/build/"$(kernel_key)"/.build-seconds 2>/dev/null || echo "?")
row "test kernel build (cold part)" "${kb} s" "-" ""
for d in "$CACHE"/bench/boot-*/; do
	d=${d%/}
	[ -f "$d/seconds" ] && row "boot ${d##*/boot-}" "$(cat "$d/seconds") s" "-" ""
done
for prof in noiommu iommu; do
	for r in "$CACHE/bench/boot-$prof"-*/results.log; do
		[ -f "$r" ] || continue
		# The guest's serial lines end in CR LF.
		tr -d '\r' <"$r" |
			sed -n 's/^# edu \(wrote\|read\) \([0-9]*\) bytes .* in \([0-9]*\) ms (\([0-9.]*\) KiB\/s)$/\1 \4/p' |
			while read -r dir kib; do
				row "edu $dir throughput ($prof)" "$kib KiB/s" "-" ""
			done
		ops=$(tr -d '\r' <"$r" | sed -n 's/^# total *[0-9]* *\([0-9.]*\) .*/\1/p' | head -1)
		[ -n "$ops" ] && row "stress ops/s ($prof)" "$ops" "-" ""
	done
done
[ "$rc" -eq 0 ] || echo "make check failed (rc=$rc): see $CACHE/bench.log" >&2
[ "$rc1" -eq 0 ] || echo "make check P=noiommu failed (rc=$rc1): see $CACHE/bench-one.log" >&2
[ "$rc" -eq 0 ] && [ "$rc1" -eq 0 ]
