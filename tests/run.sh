#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make run`: the main job. Builds what is missing and boots the VM on the
# emulated devices, running the demo: a stress run (P2P_STRESS_S seconds,
# default 60) and its summary.
set -euo pipefail
. "$(dirname "$0")/vm/common.sh"
cd "$REPO"
need_pkgs "${RIG_PKGS[@]}"
OUT=$CACHE/main-run
read -r BZ INITRD < <(bash tests/vm/guest.sh "$OUT/guest")
IOMMU=${P2P_IOMMU:-noiommu}
log "booting the VM ($IOMMU); guest output follows"
rc=0
# Show the demo as the guest writes it, not after the VM is gone.
mkdir -p "$OUT/boot" && : >"$OUT/boot/results.log"
tail -n +1 -F "$OUT/boot/results.log" 2>/dev/null > >(awk '
	/^@@ BEGIN DEMO/ { on = 1; next }
	/^@@ END/ { on = 0 }
	on { print; fflush() }') &
tailpid=$!
bash tests/vm/boot.sh "$BZ" "$INITRD" demo "$IOMMU" \
	$((300 + ${P2P_STRESS_S:-60})) "$OUT/boot" || rc=$?
sleep 1
kill "$tailpid" 2>/dev/null
# The stress run's verdict (its exit status ends the DEMO frame).
demo_rc=$(sed -n 's/^@@ END rc=\([0-9]*\).*/\1/p' "$OUT/boot/results.log" | head -1)
if [ "$rc" -eq 0 ] && [ -n "$demo_rc" ] && [ "$demo_rc" != 0 ] && [ "$demo_rc" != 4 ]; then
	log "the demo's stress run failed (exit status $demo_rc)"
	rc=1
fi
python3 tests/vm/report.py boot demo "$OUT/boot" >/dev/null || {
	log "kernel log of the run: $OUT/boot/console.log"
	grep -E 'WARNING:|BUG:|locking|blocked for more' "$OUT/boot/console.log" | head
	exit 1
}
exit $rc
