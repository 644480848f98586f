#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the test VM once under TCG and collect its two serial logs.
# Usage: boot.sh BZIMAGE INITRD MODE IOMMU TIMEOUT_S OUTDIR
#   MODE: main | negative | demo | rigtest.<fault>;  IOMMU: noiommu | iommu
# Exit: 0 the guest reached "@@ DONE", 124 timed out (QEMU killed),
# other: QEMU failed. The logs are OUTDIR/console.log and OUTDIR/results.log.
set -uo pipefail
. "$(dirname "$0")/common.sh"
kernel=$1 initrd=$2 mode=$3 iommu=$4 tmo=$5 outdir=$6
mkdir -p "$outdir"
: >"$outdir/console.log"
: >"$outdir/results.log"
shm=/dev/shm/dmabuf-p2p-ivshmem-$$
trap 'rm -f "$shm"' EXIT

machine=q35
append="console=ttyS0 loglevel=7 panic=-1 p2p.mode=$mode p2p.iommu=$iommu"
# The demo's stress duration (make run), passed on to the guest's init.
[ -n "${P2P_STRESS_S:-}" ] && append="$append p2p.stress_s=$P2P_STRESS_S"
extra=()
if [ "$iommu" = iommu ]; then
	machine=q35,kernel-irqchip=split
	append="$append intel_iommu=on"
	extra+=(-device intel-iommu,intremap=on)
else
	append="$append vfio.enable_unsafe_noiommu_mode=1"
fi

run_qemu() {
	timeout --foreground -k 5 "$tmo" qemu-system-x86_64 \
		-machine "$machine" -cpu max -m 1G -smp 2 -accel tcg \
		-nodefaults -display none -no-reboot \
		-kernel "$kernel" -initrd "$initrd" -append "$append" \
		-serial "file:$outdir/console.log" -serial "file:$outdir/results.log" \
		"${extra[@]}" \
		-device pcie-root-port,id=rp1,chassis=1,slot=1 \
		-object "memory-backend-file,id=ivmem,size=1M,share=on,mem-path=$shm" \
		-device ivshmem-plain,memdev=ivmem,bus=rp1 \
		-device pcie-root-port,id=rp2,chassis=2,slot=2 \
		-device nvme,serial=p2pnvme,bus=rp2 \
		-device pcie-root-port,id=rp3,chassis=3,slot=3 \
		-device e1000e,bus=rp3 \
		-device edu,dma_mask=0xffffffffffffffff \
		</dev/null >"$outdir/qemu.log" 2>&1
}

start=$(date +%s)
run_qemu
rc=$?
# QEMU 7.2 itself very rarely segfaults under TCG (seen once, in the
# distro profile's race scenarios; not reproduced when they were rerun ten
# times). A guest cannot cause that by design, so the boot is retried once,
# visibly: the first attempt's logs are kept, scanned for splats and
# counted by report.py. An abort (SIGABRT, e.g. QEMU's hw_error on a bad
# DMA address) is never retried.
if [ $rc -eq 139 ]; then
	log "boot $mode/$iommu: QEMU crashed (SIGSEGV); retrying once"
	for f in console results qemu; do
		mv "$outdir/$f.log" "$outdir/$f.crashed.log"
	done
	: >"$outdir/console.log"
	: >"$outdir/results.log"
	run_qemu
	rc=$?
fi
echo "$(($(date +%s) - start))" >"$outdir/seconds"
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	log "boot $mode/$iommu timed out after ${tmo}s; last console lines:"
	tail -15 "$outdir/console.log" | sed 's/^/    /' >&2
	exit 124
fi
grep -q '^@@ DONE' "$outdir/results.log" || {
	log "boot $mode/$iommu ended without @@ DONE (qemu rc=$rc)"
	tail -5 "$outdir/qemu.log" | sed 's/^/    /' >&2
	tail -15 "$outdir/console.log" | sed 's/^/    /' >&2
	exit 1
}
exit 0
