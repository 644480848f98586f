#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make run`: the main job. Builds what is missing and boots the VM on the
# emulated devices, running the demo (the stress run takes this over).
set -euo pipefail
. "$(dirname "$0")/vm/common.sh"
cd "$REPO"
need_pkgs build-essential python3 rsync qemu-system-x86 busybox-static cpio \
	ccache linux-source-6.12 libdrm-dev
OUT=$CACHE/main-run
rm -rf "$OUT" && mkdir -p "$OUT/user/tests"
KDIR=$(bash tests/vm/kernel.sh)
bash tests/vm/modules.sh "$KDIR" "$OUT/modules"
make -s -C userspace O="$OUT/user"
make -s -C tests/selftests O="$OUT/user/tests"
bash tests/vm/initramfs.sh "$OUT/modules" "$OUT/user" "$OUT/initramfs.cpio"
IOMMU=${P2P_IOMMU:-noiommu}
log "booting the VM ($IOMMU); guest output follows"
rc=0
bash tests/vm/boot.sh "$KDIR/arch/x86/boot/bzImage" "$OUT/initramfs.cpio" demo "$IOMMU" 600 "$OUT/boot" || rc=$?
sed -n '/^@@ BEGIN DEMO/,/^@@ END/p' "$OUT/boot/results.log" | grep -v '^@@'
python3 tests/vm/report.py boot demo "$OUT/boot" >/dev/null || {
	log "kernel log of the run: $OUT/boot/console.log"
	grep -E 'WARNING:|BUG:|locking|blocked for more' "$OUT/boot/console.log" | head
	exit 1
}
exit $rc
