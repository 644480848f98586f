#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Pack the test initramfs: busybox-static, our init, the project's modules
# (from a modules.sh output dir), KUnit modules, static test binaries.
# Usage: initramfs.sh MODBUILD USERBUILD OUT.cpio [BASEMODS]
#   BASEMODS: a distro.sh module dir (.ko files + load-order), optional
set -euo pipefail
. "$(dirname "$0")/common.sh"
modbuild=$1 userbuild=$2 out=$3
shift 3
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,tests,lib/modules/dmabuf-p2p/kunit}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 755 "$REPO/tests/vm/init" "$root/init"
install -m 755 "$REPO/tests/vm/demo.sh" "$root/demo.sh"
md=$root/lib/modules/dmabuf-p2p
find "$modbuild" -name '*.ko' | while read -r ko; do
	case "$ko" in
	*/tests/kunit/*) cp "$ko" "$md/kunit/" ;;
	*) cp "$ko" "$md/" ;;
	esac
done
if [ $# -gt 0 ]; then
	mkdir -p "$root/lib/modules/base"
	cp "$1"/* "$root/lib/modules/base/"
fi
if [ -d "$userbuild/tests" ]; then
	cp "$userbuild"/tests/* "$root/tests/" 2>/dev/null || true
fi
[ -x "$userbuild/dmabuf-p2p" ] && cp "$userbuild/dmabuf-p2p" "$root/bin/"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$out"
