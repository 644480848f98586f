#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: install what is missing, build the test kernel (cached),
# run the host checks, the rig's own negative tests, and every VM profile.
# Ends with "N passed, N failed, N skipped"; non-zero on any failure, kernel
# splat or timeout.
set -uo pipefail
. "$(dirname "$0")/vm/common.sh"
cd "$REPO"

need_pkgs build-essential python3 rsync qemu-system-x86 busybox-static cpio \
	sparse ccache linux-source-6.12 perl libdrm-dev pkg-config

OUT=${P2P_OUT:-$CACHE/run}
rm -rf "$OUT" && mkdir -p "$OUT"
export P2P_REPORT=$OUT/report.jsonl
R="python3 $REPO/tests/vm/report.py"
t0=$(date +%s)
step() { log "[$(($(date +%s) - t0))s] $*"; }

step "test kernel"
KDIR=$(bash tests/vm/kernel.sh) || { $R record host "test kernel build" fail; $R summary; exit 1; }
KSRC=$CACHE/src/$(dpkg-query -W -f='${Version}' linux-source-6.12)
BZ=$KDIR/arch/x86/boot/bzImage

step "modules (W=1)"
MB=$OUT/modules
if bash tests/vm/modules.sh "$KDIR" "$MB" >"$OUT/modules.log" 2>&1; then
	$R record host "modules build with W=1, no warnings" ok
else
	tail -30 "$OUT/modules.log"
	$R record host "modules build with W=1, no warnings" fail
	$R summary; exit 1
fi

step "sparse (C=2)"
if bash tests/vm/modules.sh "$KDIR" "$OUT/sparse" C=2 >"$OUT/sparse.log" 2>&1; then
	$R record host "sparse C=2 clean" ok
else
	grep -E 'warning|error' "$OUT/sparse.log" | head -20
	$R record host "sparse C=2 clean" fail
fi

step "checkpatch --strict"
mapfile -t ksrc < <(git ls-files -co --exclude-standard -- 'exporter/*.[ch]' \
	'importer/*.[ch]' 'include/*.h' 'uapi/*.h' 'tests/kunit/*.[ch]' 'tests/rigtest/*.[ch]')
if perl "$KSRC/scripts/checkpatch.pl" --strict --no-tree --terse -q -f "${ksrc[@]}" \
	>"$OUT/checkpatch.log" 2>&1; then
	$R record host "checkpatch --strict clean (${#ksrc[@]} files)" ok
else
	head -20 "$OUT/checkpatch.log"
	$R record host "checkpatch --strict clean (${#ksrc[@]} files)" fail
fi

step "userspace (-Wall -Wextra -Werror) and its unit tests"
UB=$OUT/user
mkdir -p "$UB/tests"
if make -s -C userspace O="$UB" >"$OUT/user.log" 2>&1 &&
	make -s -C tests/selftests O="$UB/tests" >>"$OUT/user.log" 2>&1; then
	$R record host "userspace builds with -Werror" ok
else
	tail -30 "$OUT/user.log"
	$R record host "userspace builds with -Werror" fail
fi
if make -s -C userspace O="$UB" test >"$OUT/unit.log" 2>&1; then
	$R record host "library unit tests: $(tail -1 "$OUT/unit.log")" ok
else
	tail -20 "$OUT/unit.log"
	$R record host "library unit tests" fail
fi

step "initramfs"
INITRD=$OUT/initramfs.cpio
bash tests/vm/initramfs.sh "$MB" "$UB" "$INITRD" || { $R record host initramfs fail; $R summary; exit 1; }

boot() {	# label mode iommu timeout
	local dir=$OUT/boot-$1
	step "boot $1"
	bash tests/vm/boot.sh "$BZ" "$INITRD" "$2" "$3" "$4" "$dir"
	local rc=$?
	step "boot $1 took $(cat "$dir/seconds")s"
	return $rc
}

# The rig must fail when it should: each injected fault has to be reported.
boot rig-kunit rigtest.kunit_fail noiommu 120; $R expect-fail rig-kunit "$OUT/boot-rig-kunit" kunit
boot rig-warn rigtest.warn noiommu 120; $R expect-fail rig-warn "$OUT/boot-rig-warn" warn
boot rig-hang rigtest.hang noiommu 40
[ $? -eq 124 ] && to=--timed-out || to=
$R expect-fail rig-hang "$OUT/boot-rig-hang" timeout $to
boot rig-none rigtest.none noiommu 120; $R boot rig-none "$OUT/boot-rig-none"

for prof in noiommu iommu; do
	boot "$prof" main "$prof" 900
	[ $? -eq 124 ] && to=--timed-out || to=
	$R boot "$prof" "$OUT/boot-$prof" $to
done

# Debian's own kernel: DMABUF_MOVE_NOTIFY=n (pin on every map), no lockdep,
# no KUnit; modules built the way users build them, against its headers.
step "distro profile"
if read -r DKDIR DBZ DMODS < <(bash tests/vm/distro.sh) &&
	bash tests/vm/modules.sh "$DKDIR" "$OUT/modules-distro" >"$OUT/modules-distro.log" 2>&1; then
	$R record host "modules build against distro headers with W=1" ok
	bash tests/vm/initramfs.sh "$OUT/modules-distro" "$UB" "$OUT/initramfs-distro.cpio" "$DMODS"
	step "boot distro"
	bash tests/vm/boot.sh "$DBZ" "$OUT/initramfs-distro.cpio" main iommu 900 "$OUT/boot-distro"
	[ $? -eq 124 ] && to=--timed-out || to=
	step "boot distro took $(cat "$OUT/boot-distro/seconds")s"
	$R boot distro "$OUT/boot-distro" $to
else
	tail -20 "$OUT/modules-distro.log"
	$R record host "modules build against distro headers with W=1" fail
fi

# The 2024 bug class, reintroduced by a knob, must be caught by lockdep.
boot negative negative noiommu 180
$R expect-fail negative "$OUT/boot-negative" lockdep --timed-out

step "done in $(($(date +%s) - t0))s"
$R summary
