#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch (or reuse) Debian's prebuilt 6.12 kernel image matching the installed
# linux-headers package, and stage the image's own modules the tests need.
# Prints "KDIR BZIMAGE MODDIR" on stdout; MODDIR holds the .ko files and a
# load-order file for the guest's init.
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
if [ ! -f "$dir/.staged" ]; then
	rm -rf "$dir" && mkdir -p "$dir/deb" "$dir/root" "$dir/mods"
	(cd "$dir/deb" && apt-get download -q "linux-image-$ver-unsigned" >/dev/null 2>&1) ||
		die "apt-get download linux-image-$ver-unsigned failed"
	dpkg-deb -x "$dir"/deb/*.deb "$dir/root"
	depmod -b "$dir/root" "$ver"
	# Dependencies first, in the order modprobe would load them.
	for m in vfio-pci vfio_iommu_type1 vgem; do
		modprobe -d "$dir/root" -S "$ver" --show-depends "$m"
	done | awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' >"$dir/order"
	while read -r ko; do
		base=$(basename "$ko" .xz)
		xz -dc "$ko" >"$dir/mods/$base"
		echo "$base" >>"$dir/mods/load-order"
	done <"$dir/order"
	cp "$dir/root/boot/vmlinuz-$ver" "$dir/vmlinuz"
	rm -rf "$dir/root" "$dir/deb"
	touch "$dir/.staged"
fi
echo "$kdir $dir/vmlinuz $dir/mods"
