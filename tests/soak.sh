#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make soak P=noiommu,iommu N=10 S=120`: boot each profile N times, each
# boot running the seeded stress for S seconds with a new seed (printed),
# scanned like make check scans a boot. Ends with "soak: B boots, C clean";
# non-zero unless every boot was clean. Failed boots keep their logs under
# $CACHE/soak and print their last console lines. P2P_TCG=multi soaks the
# multi-threaded TCG the rig used to run.
set -uo pipefail
. "$(dirname "$0")/vm/common.sh"
. "$(dirname "$0")/vm/boots.sh"
cd "$REPO"
P=${P:-noiommu,iommu} N=${N:-10} S=${S:-120}
for p in ${P//,/ }; do
	case $p in noiommu | iommu) ;; *) die "soak: unknown profile '$p' (noiommu, iommu)" ;; esac
done
[[ $N =~ ^[1-9][0-9]*$ && $S =~ ^[1-9][0-9]*$ ]] || die "soak: N and S must be positive integers"
need_pkgs "${RIG_PKGS[@]}"
OUT=$CACHE/soak
rm -rf "$OUT" && mkdir -p "$OUT"
read -r BZ INITRD < <(bash tests/vm/guest.sh "$OUT/guest") || die "soak: guest build failed"

labels=()
for ((b = 1; b <= N; b++)); do
	for p in ${P//,/ }; do
		seed=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
		log "soak-$p-$b: seed $seed"
		boot_add "soak-$p-$b" "$BZ" "$INITRD" soak "$p" $((S + 240)) \
			"p2p.stress_s=$S p2p.seed=$seed"
		labels+=("soak-$p-$b")
	done
done
t0=$(date +%s)
boots_run "$OUT"

clean=0
for l in "${labels[@]}"; do
	d=$OUT/boot-$l
	ops=$(tr -d '\r' <"$d/results.log" | sed -n 's/^# total *\([0-9]*\) *\([0-9.]*\) .*/\1 ops, \2 ops\/s/p' | head -1)
	if v=$(python3 tests/vm/report.py verdict "$l" "$d"); then
		clean=$((clean + 1))
		echo "$l: clean (${ops:-no summary}, $(cat "$d/seconds")s)"
	else
		echo "$l: FAILED: $v (logs in $d)"
		tail -12 "$d/console.log" | tr -d '\r' | sed 's/^/    /'
	fi
done
log "soak took $(($(date +%s) - t0))s with ${P2P_VMS:-$(nproc)} VMs at a time (TCG ${P2P_TCG:-single})"
echo "soak: ${#labels[@]} boots, $clean clean"
[ "$clean" -eq "${#labels[@]}" ]
