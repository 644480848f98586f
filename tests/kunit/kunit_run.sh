#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make kunit-run`: our KUnit suites (fake provider, fake exporter: no PCI
# device needed) built into a kernel and run by the kernel's own kunit.py,
# --arch=x86_64 under QEMU. Not UML: the exporter is a vfio-pci driver and
# UML has no VFIO.
#
# kunit.py builds in-tree code only, so the suites are grafted onto a copy
# of the extracted tree made of hard links (the cached tree is never
# written): drivers/dmabuf_p2p mirrors this repository with symlinks, and
# each directory's Kbuild includes ours and turns its modules into
# built-ins. Extra arguments go to kunit.py run (e.g. a suite glob).
set -euo pipefail
. "$(dirname "$0")/../vm/common.sh"

need_pkgs "${RIG_PKGS[@]}"
bash "$REPO/tests/vm/kernel.sh" 6.12 >/dev/null || die "kernel source for 6.12 unavailable"
src=$(kernel_src 6.12)
[ -f "$src/tools/testing/kunit/kunit.py" ] || die "no kunit.py in $src"
tree=$CACHE/kunit/tree-$(basename "$src")
if [ ! -f "$tree/.grafted" ]; then
	rm -rf "$tree" && mkdir -p "$(dirname "$tree")"
	cp -al "$src" "$tree"
	# Edited files must not be links into the cached tree.
	for f in drivers/Kconfig drivers/Makefile; do
		cp --remove-destination "$src/$f" "$tree/$f"
	done
	sed -i '$i source "drivers/dmabuf_p2p/Kconfig"' "$tree/drivers/Kconfig"
	echo 'obj-$(CONFIG_DMABUF_P2P_KUNIT_TEST) += dmabuf_p2p/' >>"$tree/drivers/Makefile"
	touch "$tree/.grafted"
fi

# The mirror, made anew each run so that new or removed files show.
top=$tree/drivers/dmabuf_p2p
rm -rf "$top" && mkdir -p "$top"
ln -s "$REPO/include" "$top/include"
ln -s "$REPO/uapi" "$top/uapi"
cat >"$top/Kconfig" <<'KCONFIG'
config DMABUF_P2P_KUNIT_TEST
	bool "dmabuf-p2p modules and KUnit suites, built in (kunit.py only)"
	depends on KUNIT=y && PCI && VFIO_PCI_CORE=y
	select DMA_SHARED_BUFFER
KCONFIG
# Our Kbuild files say obj-m; here the same objects are built in.
graft() {	# DIR: mirror REPO/DIR with its Kbuild included
	mkdir -p "$top/$1"
	for f in "$REPO/$1"/*.[ch]; do
		[ -e "$f" ] && ln -s "$f" "$top/$1/"
	done
	ln -s "$REPO/$1/Kbuild" "$top/$1/p2p.kbuild"
	printf '%s\n' 'include $(src)/p2p.kbuild' \
		"obj-y += \$(filter-out ${2:-},\$(obj-m))" 'obj-m :=' >"$top/$1/Kbuild"
}
graft . tests/rigtest/
graft exporter
graft importer
graft tests/kunit
graft tests/kunit/exporter
graft tests/kunit/importer

build=$CACHE/kunit/build-$(basename "$src")
t0=$(date +%s)
cd "$tree"
python3 tools/testing/kunit/kunit.py run --arch=x86_64 --build_dir="$build" \
	--kunitconfig="$REPO/tests/kunit/.kunitconfig" --jobs="$(nproc)" \
	--make_options CC="ccache gcc" "$@"
log "kunit.py run took $(($(date +%s) - t0)) s"
