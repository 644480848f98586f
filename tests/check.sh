#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: install what is missing, build the test kernel (cached),
# run the host checks, the rig's own negative tests, and every VM profile.
# Ends with "N passed, N failed, N skipped"; non-zero on any failure, kernel
# splat or timeout.
#   P=rig,noiommu,...   only these profiles (default: all of them)
#   T=GLOB              only the KUnit suites, selftest binaries, scenarios
#                       and CLI checks whose names match, in the profiles
set -uo pipefail
. "$(dirname "$0")/vm/common.sh"
. "$(dirname "$0")/vm/boots.sh"
cd "$REPO"

ALL_PROFILES="rig noiommu iommu distro k7 k7-upstream negative"
P=${P:-all}
[ "$P" = all ] && P=${ALL_PROFILES// /,}
for p in ${P//,/ }; do
	case " $ALL_PROFILES " in *" $p "*) ;; *) die "unknown profile '$p' (profiles: $ALL_PROFILES)" ;; esac
done
want() { case ",$P," in *",$1,"*) return 0 ;; esac; return 1; }
drop() { P=,$P,; P=${P//,$1,/,}; P=${P#,}; P=${P%,}; }
T=${T:-}
case "$T" in *[[:space:]]*) die "T= must be one glob without spaces" ;; esac
FILTER_ARGS=${T:+p2p.filter=$T kunit.filter_glob=$T}
# A subset may not reach what tests/vm/upstream-defects asserts (report.py).
[ -n "$T" ] && export P2P_FILTERED=1

need_pkgs "${RIG_PKGS[@]}" sparse perl

OUT=${P2P_OUT:-$CACHE/run}
rm -rf "$OUT" && mkdir -p "$OUT"
export P2P_REPORT=$OUT/report.jsonl
R="python3 $REPO/tests/vm/report.py"
t0=$(date +%s)
step() { log "[$(($(date +%s) - t0))s] $*"; }

step "test kernel"
KDIR=$(bash tests/vm/kernel.sh 6.12) || { $R record host "test kernel build" fail; $R summary; exit 1; }
KSRC=$(kernel_src 6.12)
# KUnit's KTAP is read by the kernel's own parser (report.py runs it).
export P2P_KUNIT_PY=$KSRC/tools/testing/kunit/kunit.py
BZ=$KDIR/arch/x86/boot/bzImage
# The 7.x kernel after the 6.12 one, never beside it: two cores.
if want k7 || want k7-upstream; then
	step "7.x test kernel"
	if K7DIR=$(bash tests/vm/kernel.sh 7); then
		K7VER=$(basename "$(kernel_src 7)")
	else
		$R record host "7.x test kernel build" fail
		drop k7; drop k7-upstream
	fi
fi

# The host checks, in two lanes: the modules (compiled with W=1 and checked
# by sparse in the same pass) | userspace, its unit tests and checkpatch.
step "host checks: modules (W=1 + sparse C=2) | userspace, unit tests, checkpatch"
MB=$OUT/modules
UB=$OUT/user
mkdir -p "$UB/tests"
# The negative control's exporter is a build of its own (P2P_NEGATIVE_CONTROL=1
# compiles in the deadlock knob); the modules users load never have it.
{
	bash tests/vm/modules.sh "$KDIR" "$MB" C=2 CC="ccache gcc" >"$OUT/modules.log" 2>&1 &&
		if want negative; then
			bash tests/vm/modules.sh "$KDIR" "$OUT/modules-negative" CC="ccache gcc" \
				P2P_NEGATIVE_CONTROL=1 >>"$OUT/modules.log" 2>&1
		fi
} &
modpid=$!
make -s -C userspace O="$UB" >"$OUT/user.log" 2>&1 &&
	make -s -C tests/selftests O="$UB/tests" >>"$OUT/user.log" 2>&1
user_rc=$?
make -s -C userspace O="$UB" test >"$OUT/unit.log" 2>&1
unit_rc=$?
# The kernel-side sources, found without git (a tarball has no .git).
mapfile -t ksrc < <(find exporter importer include uapi tests/kunit tests/rigtest \
	-name '*.[ch]' ! -name '*.mod.c' | sort)
perl "$KSRC/scripts/checkpatch.pl" --strict --no-tree --terse -q -f "${ksrc[@]}" \
	>"$OUT/checkpatch.log" 2>&1
cp_rc=$?
wait $modpid
mod_rc=$?

if [ $mod_rc -eq 0 ]; then
	$R record host "modules build with W=1 and sparse C=2, no warnings" ok
else
	grep -E 'warning:|error:' "$OUT/modules.log" | head -20
	tail -5 "$OUT/modules.log"
	$R record host "modules build with W=1 and sparse C=2, no warnings" fail
	$R summary; exit 1
fi
# The 2024 deadlock must not ship: its knob is only in the negative build.
if want negative; then
	has_knob() { nm "$1/exporter/dmabuf_p2p_exp.ko" "$1/importer/dmabuf_p2p_imp.ko" |
		grep -cwE 'p2p_exp_bug_(sync_put|fault_remap|fault_lock|pause)|p2p_imp_bug_map_lock'; }
	if [ "$(has_knob "$MB")" = 0 ] && [ "$(has_knob "$OUT/modules-negative")" = 5 ]; then
		$R record host "bug knobs only in the negative-control build" ok
	else
		$R record host "bug knobs only in the negative-control build" fail
	fi
fi
if [ $cp_rc -eq 0 ]; then
	$R record host "checkpatch --strict clean (${#ksrc[@]} files)" ok
else
	grep -E 'ERROR|WARNING|CHECK' "$OUT/checkpatch.log" | head -20
	$R record host "checkpatch --strict clean (${#ksrc[@]} files)" fail
fi
if [ $user_rc -eq 0 ]; then
	$R record host "userspace builds with -Werror" ok
else
	tail -30 "$OUT/user.log"
	$R record host "userspace builds with -Werror" fail
fi
if [ $unit_rc -eq 0 ]; then
	$R record host "library unit tests: $(tail -1 "$OUT/unit.log")" ok
else
	tail -20 "$OUT/unit.log"
	$R record host "library unit tests" fail
fi

step "initramfs"
INITRD=$OUT/initramfs.cpio
bash tests/vm/initramfs.sh "$MB" "$UB" "$INITRD" || { $R record host initramfs fail; $R summary; exit 1; }
if want negative; then
	bash tests/vm/initramfs.sh "$OUT/modules-negative" "$UB" "$OUT/initramfs-negative.cpio" ||
		{ $R record host "negative-control initramfs" fail; $R summary; exit 1; }
fi

# Our modules on 7.x, built and checked the same way as on 6.12.
if want k7 || want k7-upstream; then
	step "modules for 7.x"
	if bash tests/vm/modules.sh "$K7DIR" "$OUT/modules-k7" C=2 CC="ccache gcc" \
		>"$OUT/modules-k7.log" 2>&1 &&
		bash tests/vm/initramfs.sh "$OUT/modules-k7" "$UB" "$OUT/initramfs-k7.cpio"; then
		$R record host "modules build against $K7VER with W=1, no warnings" ok
	else
		grep -E 'warning:|error:' "$OUT/modules-k7.log" | head -20
		$R record host "modules build against $K7VER with W=1, no warnings" fail
		drop k7; drop k7-upstream
	fi
	# 7.x's checker-valid.sh wants __typeof_unqual__, which no sparse
	# Debian ships (0.6.4) parses: the kernel turns C=2 off by itself.
	if grep -q 'C=2 specified, but' "$OUT/modules-k7/build.log"; then
		$R record host "sparse C=2 against $K7VER" skip \
			"$(sparse --version 2>&1 | head -1) fails 7.x's checker-valid.sh (__typeof_unqual__)"
	else
		$R record host "sparse C=2 against $K7VER" ok
	fi
fi

# Debian's own kernel: DMABUF_MOVE_NOTIFY=n (pin on every map), no lockdep,
# no KUnit; modules built the way users build them, against its headers.
if want distro; then
	step "distro kernel and modules"
	if read -r DKDIR DBZ DMODS < <(bash tests/vm/distro.sh) &&
		bash tests/vm/modules.sh "$DKDIR" "$OUT/modules-distro" >"$OUT/modules-distro.log" 2>&1; then
		$R record host "modules build against distro headers with W=1" ok
	else
		tail -20 "$OUT/modules-distro.log"
		$R record host "modules build against distro headers with W=1" fail
		drop distro
	fi
fi
# Installed as users install them (dkms add/build/install); the guest loads
# what dkms installed, with the KUnit/rigtest modules of the build above.
if want distro; then
	if bash tests/vm/dkms.sh "${DKDIR##*/linux-headers-}" "$OUT/dkms-distro" >"$OUT/dkms-distro.log" 2>&1 &&
		cp -r "$OUT/modules-distro/tests" "$OUT/dkms-distro/" &&
		bash tests/vm/initramfs.sh "$OUT/dkms-distro" "$UB" "$OUT/initramfs-distro.cpio" "$DMODS"; then
		$R record host "dkms build/install against distro headers" ok
	else
		tail -20 "$OUT/dkms-distro.log"
		$R record host "dkms build/install against distro headers" fail
		drop distro
	fi
fi

# The VM boots, longest first so two VMs stay busy side by side. A profile
# is split in boots (fuzzer | KUnit + selftests | CLI scenarios + stress)
# that run in parallel. Timeouts are about three times what each boot takes on
# an idle 2-core host; the console watcher ends a boot within seconds of a
# fatal kernel report, so no failure waits them out.
RIG_FAULTS="kunit_fail:kunit warn:warn hang:timeout kasan:kasan kmemleak:kmemleak
	hung_task:hung soft_lockup:softlockup dma_api:dma-api none:-"
# The lockdep profiles also run the uAPI fuzzer, 10^5 calls, in a boot of
# its own (~4 min under TCG; it keeps at most 7 live mappings starting at
# any one cacheline, DMA-API debugging's limit, see cli/fuzz_overlap.c).
# With T, only if the glob matches "fuzz".
# Against upstream's exporter (k7-upstream), the scenarios: the selftests
# and the fuzzer drive our exporter's debugfs throughout. They run under
# VT-d (cli) and, as the P2P path allows there too, in noiommu mode
# (cli-noiommu: the same part, another IOMMU mode).
parts() {
	case "$1" in
	distro) echo "kernel cli" ;;
	k7-upstream) echo "cli cli-noiommu" ;;
	*) if [ -z "$T" ] || [[ fuzz == $T ]]; then echo "fuzz kernel cli"; else echo "kernel cli"; fi ;;
	esac
}
for prof in iommu noiommu distro k7 k7-upstream; do
	want $prof || continue
	kern=$BZ initrd=$INITRD iommu=$prof extra=
	case $prof in
	distro) kern=$DBZ initrd=$OUT/initramfs-distro.cpio iommu=iommu ;;
	k7*) kern=$K7DIR/arch/x86/boot/bzImage initrd=$OUT/initramfs-k7.cpio iommu=iommu ;;
	esac
	[ $prof = k7-upstream ] && extra="p2p.exporter=upstream p2p.cpu=EPYC"
	for part in $(parts $prof); do
		# The kernel part (KUnit + the kselftest collection) takes up to
		# ~250 s on 7.x under TCG; fuzz runs for 360 s by itself.
		tmo=480 mode=$iommu
		[ $part = fuzz ] && tmo=720
		[ $part = cli-noiommu ] && mode=noiommu
		boot_add "$prof-$part" "$kern" "$initrd" main $mode $tmo \
			"p2p.part=${part%-noiommu} $extra $FILTER_ARGS"
	done
done
# Seed bug classes, each reintroduced by a knob of the negative-control
# build, must be caught by the detector named here: 001 the final put under
# memory_lock (2024), 000 remapping under i_mmap_rwsem from the fault
# handler (2021), 002 an importer lock around invalidate held into map,
# 003 memory_lock in the fault path against the revoke's order, 004 a
# userspace-held pause that a kernel worker waits for.
NEG_SEEDS="seed001:1:lockdep seed000:seed000:lockdep seed002:seed002:lockdep
	seed003:seed003:lockdep seed004:seed004:hung"
if want negative; then
	for s in $NEG_SEEDS; do
		IFS=: read -r name arg _ <<<"$s"
		boot_add "negative-$name" "$BZ" "$OUT/initramfs-negative.cpio" negative \
			noiommu 120 "p2p.negative=$arg"
	done
fi
# An importer that breaks the revoke contract, against the module users
# load: the exporter's WARN must fail the boot.
want negative && boot_add negative-contract "$BZ" "$INITRD" negative noiommu 120 \
	"p2p.negative=contract"
if want rig; then
	for f in $RIG_FAULTS; do
		tmo=90
		[ "${f%%:*}" = hang ] && tmo=30
		boot_add "rig-${f%%:*}" "$BZ" "$INITRD" "rigtest.${f%%:*}" noiommu $tmo
	done
fi
step "VM boots (${P2P_VMS:-$(nproc)} at a time)"
boots_run "$OUT"

step "results"
if want rig; then
	# The rig must fail when it should: each injected fault has to be
	# reported by the detector meant for it.
	for f in $RIG_FAULTS; do
		if [ "${f#*:}" = - ]; then
			$R boot "rig-${f%%:*}" "$OUT/boot-rig-${f%%:*}"
		else
			$R expect-fail "rig-${f%%:*}" "$OUT/boot-rig-${f%%:*}" "${f#*:}"
		fi
	done
fi
for prof in noiommu iommu distro k7 k7-upstream; do
	want $prof || continue
	for part in $(parts $prof); do
		[ -d "$OUT/boot-$prof-$part" ] && $R boot "$prof:$part" "$OUT/boot-$prof-$part"
	done
done
if want negative; then
	for s in $NEG_SEEDS; do
		IFS=: read -r name _ kind <<<"$s"
		$R expect-fail "negative-$name" "$OUT/boot-negative-$name" "$kind"
	done
fi
want negative && $R expect-fail negative-contract "$OUT/boot-negative-contract" warn
# The same uAPI table against both exporters on 7.x, case by case.
if want k7 && want k7-upstream && { [ -z "$T" ] || [[ cli-conform == $T ]]; }; then
	$R conform "$OUT/boot-k7-cli/results.log" "$OUT/boot-k7-upstream-cli/results.log" \
		tests/vm/conform-exceptions
fi

step "done in $(($(date +%s) - t0))s"
$R summary
