# SPDX-License-Identifier: GPL-2.0
# Run queued VM boots, P2P_VMS at a time (default: one per host core).
# Sourced by check.sh and soak.sh after common.sh; never run.
#
# Each VM runs single-threaded TCG (boot.sh), so it keeps one host core busy
# and two VMs run side by side on a 2-core machine without slowing each
# other; a profile is mostly fixed-duration work (stress, waits), so this
# halves the wall time of the VM part of a run.
# shellcheck shell=bash

BOOTS=()

# boot_add LABEL KERNEL INITRD MODE IOMMU TIMEOUT_S ["KERNEL ARGS"]
boot_add() {
	local IFS=$'\x1f'
	BOOTS+=("$*")
}

# boot_one OUTROOT SPEC: one boot into OUTROOT/boot-LABEL, its log to a file.
boot_one() {
	local root=$1 label kernel initrd mode iommu tmo append
	IFS=$'\x1f' read -r label kernel initrd mode iommu tmo append <<<"$2"
	log "boot $label: starting ($mode, $iommu, timeout ${tmo}s)"
	P2P_APPEND="$append" bash "$REPO/tests/vm/boot.sh" "$kernel" "$initrd" \
		"$mode" "$iommu" "$tmo" "$root/boot-$label" 2>"$root/boot-$label.log"
	log "boot $label: $(cat "$root/boot-$label/end" 2>/dev/null || echo ?)" \
		"after $(cat "$root/boot-$label/seconds" 2>/dev/null || echo ?)s"
	[ -s "$root/boot-$label.log" ] && sed 's/^/    /' "$root/boot-$label.log" >&2
	return 0
}

# boots_run OUTROOT: run every queued boot, then empty the queue.
boots_run() {
	local root=$1 spec n=${P2P_VMS:-$(nproc)}
	for spec in "${BOOTS[@]}"; do
		while [ "$(jobs -rp | wc -l)" -ge "$n" ]; do
			wait -n
		done
		boot_one "$root" "$spec" &
	done
	wait
	BOOTS=()
}
