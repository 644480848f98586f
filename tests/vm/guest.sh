#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build what a VM boots, for the test kernel: the test kernel (cached), our
# modules, the CLI and the selftests, and the initramfs holding them.
# Usage: guest.sh OUTDIR; prints "BZIMAGE INITRD" on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"
out=$1
rm -rf "$out" && mkdir -p "$out/user/tests"
kdir=$(bash "$REPO/tests/vm/kernel.sh")
bash "$REPO/tests/vm/modules.sh" "$kdir" "$out/modules" >&2
make -s -C "$REPO/userspace" O="$out/user" >&2
make -s -C "$REPO/tests/selftests" O="$out/user/tests" >&2
bash "$REPO/tests/vm/initramfs.sh" "$out/modules" "$out/user" "$out/initramfs.cpio"
echo "$kdir/arch/x86/boot/bzImage $out/initramfs.cpio"
