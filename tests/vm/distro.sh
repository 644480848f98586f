#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch (or reuse) Debian's prebuilt 6.12 kernel image matching the installed
# linux-headers package, and stage the image's own modules the tests need.
# Prints "KDIR BZIMAGE MODDIR" on stdout; MODDIR holds the .ko files, a
# load-order file for the guest's init and an rdma-order file: what
# Soft-RoCE needs on top (the virtio NIC's driver, rdma_rxe, ib_uverbs),
# loaded by init only for the CLI's scenarios.
set -euo pipefail
. "$(dirname "$0")/common.sh"

need_pkgs kmod xz-utils
# The newest Debian 6.12 image the archive offers today (a pinned version
# breaks the day the archive drops it); P2P_DISTRO_KVER picks another.
newest() {
	apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb[0-9]+-amd64$' |
		awk '{ sub(/^linux-headers-/, "", $1); print $1 }' | sort -V | tail -1
}
ver=${P2P_DISTRO_KVER:-$(newest)}
if [ -z "$ver" ]; then
	apt-get update -qq >/dev/null || die "apt-get update failed"
	ver=$(newest)
fi
[ -n "$ver" ] || die "no linux-headers-6.12.*-amd64 in the apt sources"
log "distro kernel $ver"
need_pkgs "linux-headers-$ver"
kdir=/usr/src/linux-headers-$ver
dir=$CACHE/distro/$ver
BASE_MODS="vfio-pci vfio_iommu_type1 vgem"
# rxe computes its ICRC with the crypto API's "crc32", which it only asks
# for at link time (no module dependency): without crc32_generic loaded
# first, `rdma link add` fails with ENOENT ("rxe_newlink: failed to add").
RDMA_MODS="crc32_generic virtio_net rdma_rxe ib_uverbs"
# .staged names what was staged: a list changed here stages afresh.
staged="$BASE_MODS | $RDMA_MODS"
if [ "$(cat "$dir/.staged" 2>/dev/null)" != "$staged" ]; then
	rm -rf "$dir" && mkdir -p "$dir/deb" "$dir/root" "$dir/mods"
	(cd "$dir/deb" && apt-get download -q "linux-image-$ver-unsigned" >/dev/null 2>&1) ||
		die "apt-get download linux-image-$ver-unsigned failed"
	dpkg-deb -x "$dir"/deb/*.deb "$dir/root"
	depmod -b "$dir/root" "$ver"
	# Dependencies first, in the order modprobe would load them.
	order() {
		local m
		for m in "$@"; do
			modprobe -d "$dir/root" -S "$ver" --show-depends "$m"
		done | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++'
	}
	order $BASE_MODS >"$dir/order"
	# The RDMA ones not already in the base order.
	order $RDMA_MODS >"$dir/rdma-all"
	grep -vxF -f "$dir/order" "$dir/rdma-all" >"$dir/rdma-order" || true
	stage() {
		local ko base
		while read -r ko; do
			base=$(basename "$ko" .xz)
			xz -dc "$ko" >"$dir/mods/$base"
			echo "$base" >>"$dir/mods/$1"
		done
	}
	stage load-order <"$dir/order"
	stage rdma-order <"$dir/rdma-order"
	grep -qx rdma_rxe.ko "$dir/mods/rdma-order" || die "no rdma_rxe.ko staged for $ver"
	cp "$dir/root/boot/vmlinuz-$ver" "$dir/vmlinuz"
	rm -rf "$dir/root" "$dir/deb"
	echo "$staged" >"$dir/.staged"
fi
echo "$kdir $dir/vmlinuz $dir/mods"
