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
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,usr/bin,lib/modules/dmabuf-p2p/kunit}
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
# The selftests (built into $userbuild/tests) installed as the kernel's
# `make kselftest-install` lays them out: /kselftest/run_kselftest.sh, its
# runner, kselftest-list.txt and the collection in /kselftest/dmabuf-p2p,
# which /tests names too (init runs the negative controls from there).
if [ -d "$userbuild/tests" ]; then
	make -s -C "$REPO/tests/selftests" O="$userbuild/tests" kselftest-install \
		INSTALL_PATH="$root/kselftest" >/dev/null
	ln -s kselftest/dmabuf-p2p "$root/tests"
fi
# The runner times each program with "/usr/bin/timeout --foreground N
# /usr/bin/timeout N prog" when there is one, and not at all otherwise.
# busybox's timeout knows no --foreground (nor process groups: the shim
# drops it) and exits 143, not 124, when it had to kill: 124 makes the
# runner say TIMEOUT.
cat >"$root/usr/bin/timeout" <<'SHIM'
#!/bin/sh
[ "$1" = --foreground ] && shift
/bin/busybox timeout "$@"
rc=$?
[ $rc = 143 ] && rc=124
exit $rc
SHIM
chmod 755 "$root/usr/bin/timeout"
[ -x "$userbuild/dmabuf-p2p" ] && cp "$userbuild/dmabuf-p2p" "$root/bin/"
# iproute2's rdma (init: "rdma link add rxe0 type rxe netdev ..."), with the
# shared libraries and the loader ldd names; dynamic, unlike the rest.
rdma=$(command -v rdma || true)
if [ -n "$rdma" ]; then
	cp "$rdma" "$root/bin/rdma"
	ldd "$rdma" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
		while read -r so; do
			mkdir -p "$root$(dirname "$so")"
			cp -L "$so" "$root$so"
		done
else
	log "no rdma tool (iproute2) on the host: the guest cannot bring Soft-RoCE up"
fi
(cd "$root" && find . | cpio -o -H newc --quiet) >"$out"
