#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the test VM once under TCG and collect its two serial logs.
# Usage: boot.sh BZIMAGE INITRD MODE IOMMU TIMEOUT_S OUTDIR
#   MODE: main | negative | demo | soak | bench | rigtest.<fault>;  IOMMU: noiommu | iommu
# Environment: P2P_APPEND (more kernel arguments; p2p.cpu=MODEL among them
# picks QEMU's CPU model), P2P_TCG (single, the default, or multi: see
# below), P2P_FATAL_GRACE_S (default 5), P2P_BAR_SIZE (the BAR of the main
# ivshmem and of the two siblings, default 1M; make bench: 1G).
# Exit: 0 the guest reached "@@ DONE"; 124 timed out; 125 the console
# watcher ended the boot on a fatal kernel report; other: QEMU failed.
# OUTDIR gets console.log, results.log, qemu.log, seconds, end (done |
# timeout | fatal | qemu-failed) and, after a fatal report, fatal (its line).
set -uo pipefail
. "$(dirname "$0")/common.sh"
kernel=$1 initrd=$2 mode=$3 iommu=$4 tmo=$5 outdir=$6
mkdir -p "$outdir"
rm -f "$outdir"/{fatal,end,seconds}
: >"$outdir/console.log"
: >"$outdir/results.log"
shm=/dev/shm/dmabuf-p2p-ivshmem-$$
trap 'rm -f "$shm"' EXIT

machine=q35
append="console=ttyS0 loglevel=7 panic=-1 p2p.mode=$mode p2p.iommu=$iommu ${P2P_APPEND:-}"
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

# Single-threaded TCG: both vCPUs run on one host thread, taking turns.
# Multi-threaded TCG (QEMU 7.2 and 10.0) fails under our stress: lost
# TLB-flush IPIs (guest soft lockups), SIGSEGV, and an iotlb_to_section
# assertion while BARs are switched on and off. `make soak` measures both
# (P2P_TCG=multi brings the old behaviour back); see README "The rig".
accel=tcg,thread=${P2P_TCG:-single}
# No 5-level paging: 6.12's identify_cpu() clears the boot CPU's feature
# bits and reads them again, and an interrupt in that window sees LA57 off;
# KASAN then takes the 5-level direct map for wild addresses ("BUG: KASAN:
# wild-memory-access in do_raw_spin_lock" from handle_edge_irq, seen in 3 of
# 19 boots of one run). Nothing we test needs LA57.

# p2p.cpu=EPYC: pci_p2pdma lets P2P cross the host bridge only on CPUs it
# knows (AMD Zen among them); with QEMU's default model upstream vfio-pci
# refuses to map for a PCI importer on another root port.
cpu=$(sed -n 's/.*\bp2p\.cpu=\([^ ]*\).*/\1/p' <<<"$append")
cpu=${cpu:-max,la57=off}

# Sparse: QEMU touches only what the guest writes.
bar=${P2P_BAR_SIZE:-1M}

# Debian's own kernel (distro.sh's image) has Soft-RoCE as modules: a
# virtio NIC for rdma_rxe to sit on (init's setup_rxe), behind a root port
# of its own at slot 0x10, clear of the auto-placed rp1..rp5 (slots 1-5,
# buses 1-5, which keep their numbers). User networking with restrict=on: a
# carrier and no way out. The tinyconfig kernels have no RDMA: no NIC.
nic=()
case "$kernel" in
"$CACHE"/distro/*)
	nic=(-device pcie-root-port,id=rp6,chassis=6,slot=6,bus=pcie.0,addr=0x10
		-netdev user,id=rxenet,restrict=on
		-device virtio-net-pci,netdev=rxenet,bus=rp6,addr=0.0)
	;;
esac

fatal_re=$outdir/.fatal-patterns
awk -F'\t' '!/^#/ && $2 == "yes" { print $3 }' "$REPO/tests/vm/splat-patterns" >"$fatal_re"
grace=${P2P_FATAL_GRACE_S:-5}

start=$(date +%s)
timeout --foreground -k 5 "$tmo" qemu-system-x86_64 \
	-machine "$machine" -cpu "$cpu" -m 1G -smp 2 -accel "$accel" \
	-nodefaults -display none -no-reboot \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	-serial "file:$outdir/console.log" -serial "file:$outdir/results.log" \
	"${extra[@]}" \
	-device pcie-root-port,id=rp1,chassis=1,slot=1 \
	-object "memory-backend-file,id=ivmem,size=$bar,share=on,mem-path=$shm" \
	-device ivshmem-plain,memdev=ivmem,bus=rp1 \
	-device pcie-root-port,id=rp2,chassis=2,slot=2 \
	-device nvme,serial=p2pnvme,bus=rp2 \
	-device pcie-root-port,id=rp3,chassis=3,slot=3 \
	-device e1000e,bus=rp3 \
	-device pcie-root-port,id=rp4,chassis=4,slot=4 \
	-object "memory-backend-memfd,id=ivsib0,size=$bar,share=on" \
	-object "memory-backend-memfd,id=ivsib1,size=$bar,share=on" \
	-device ivshmem-plain,memdev=ivsib0,bus=rp4,addr=0.0,multifunction=on \
	-device ivshmem-plain,memdev=ivsib1,bus=rp4,addr=0.1 \
	-device pcie-root-port,id=rp5,chassis=5,slot=5 \
	-object memory-backend-memfd,id=ivnear,size=1M,share=on \
	-device ivshmem-plain,memdev=ivnear,bus=rp5,addr=0.0,multifunction=on \
	-device edu,dma_mask=0xffffffffffffffff,bus=rp5,addr=0.1 \
	"${nic[@]}" \
	</dev/null >"$outdir/qemu.log" 2>&1 &
qpid=$!

# The console watcher: a guest that has reported a soft lockup, a stall, a
# hung task, an Oops or a lockdep cycle will not finish its run, so waiting
# out the timeout only hides the report. Give the report $grace seconds to
# reach the console, then end the boot.
fatal_at=
while kill -0 "$qpid" 2>/dev/null; do
	sleep 1
	if [ -z "$fatal_at" ]; then
		line=$(grep -a -m1 -E -f "$fatal_re" "$outdir/console.log") || continue
		fatal_at=$(date +%s)
		printf '%s\n' "$line" | tr -d '\r' >"$outdir/fatal"
		log "boot $mode/$iommu: fatal report after $((fatal_at - start))s: $(cat "$outdir/fatal")"
	elif [ $(($(date +%s) - fatal_at)) -ge "$grace" ]; then
		kill "$qpid" 2>/dev/null	# timeout(1) passes it on to QEMU
		break
	fi
done
wait "$qpid"
rc=$?
echo "$(($(date +%s) - start))" >"$outdir/seconds"

if grep -q '^@@ DONE' "$outdir/results.log" && [ -z "$fatal_at" ]; then
	echo done >"$outdir/end"
	exit 0
fi
if [ -n "$fatal_at" ]; then
	echo fatal >"$outdir/end"
	log "boot $mode/$iommu ended on a fatal kernel report; last console lines:"
	tail -15 "$outdir/console.log" | sed 's/^/    /' >&2
	exit 125
fi
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo timeout >"$outdir/end"
	log "boot $mode/$iommu timed out after ${tmo}s; last console lines:"
	tail -15 "$outdir/console.log" | sed 's/^/    /' >&2
	exit 124
fi
echo qemu-failed >"$outdir/end"
log "boot $mode/$iommu ended without @@ DONE (qemu rc=$rc)"
tail -5 "$outdir/qemu.log" | sed 's/^/    /' >&2
tail -15 "$outdir/console.log" | sed 's/^/    /' >&2
exit 1
