#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install our two modules with DKMS for kernel KVER, the way users do (README,
# "Install with DKMS"): copy the module sources to /usr/src/dmabuf-p2p-<ver>,
# then dkms add, build and install (into /lib/modules/KVER/updates/dkms).
# <ver> is derived from the sources (git describe + a hash of what is
# copied), so different trees never share a version and the same tree always
# gets the same one. Every other registration of dmabuf-p2p is removed first:
# one version at a time, and nothing stale left behind. Runs are serialised
# by a lock, as the installed files are per kernel, not per version.
# Usage: dkms.sh [KVER [OUTDIR]]   as root; KVER defaults to `uname -r`
#   OUTDIR: gets the installed dmabuf_p2p_exp.ko and dmabuf_p2p_imp.ko,
#   uncompressed (the distro profile's guest loads these).
set -euo pipefail
. "$(dirname "$0")/common.sh"
kver=${1:-$(uname -r)} out=${2:-}
pkg=dmabuf-p2p
mods=(dmabuf_p2p_exp dmabuf_p2p_imp)

[ "$(id -u)" -eq 0 ] || die "dkms.sh: run as root (dkms writes /usr/src, /var/lib/dkms, /lib/modules)"
need_pkgs dkms kmod rsync xz-utils
[ -e "/lib/modules/$kver/build/Makefile" ] ||
	die "no headers for $kver at /lib/modules/$kver/build (apt-get install linux-headers-$kver)"

exec 9>"$( [ -d /run/lock ] && echo /run/lock || echo /tmp)/$pkg-dkms.lock"
flock 9

# What dkms needs and nothing else: the top-level Kbuild (feature probes),
# the two module directories and the headers they include.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
rsync -a --exclude '*.o' --exclude '*.ko' --exclude '*.mod' --exclude '*.mod.c' \
	--exclude '.*.cmd' --exclude '*.a' --exclude modules.order --exclude Module.symvers \
	"$REPO"/{Kbuild,dkms.conf,exporter,importer,include,uapi} "$stage/"
hash=$(cd "$stage" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum |
	sha256sum | cut -c1-8)
ver=$(git -C "$REPO" describe --always 2>/dev/null || echo src).$hash
sed -i "s/#MODULE_VERSION#/$ver/" "$stage/dkms.conf"
grep -qx "PACKAGE_VERSION=\"$ver\"" "$stage/dkms.conf" ||
	die "dkms.conf has no PACKAGE_VERSION=\"#MODULE_VERSION#\" to set"
log "dkms: $pkg/$ver for $kver"

# Earlier registrations (any version, this one included: a rerun builds
# afresh) and their sources in /usr/src. dkms remove reads the version's
# dkms.conf: if its source is gone, ours stands in (same modules).
dtree=/var/lib/dkms/$pkg
for d in "$dtree"/*/; do
	v=$(basename "$d")
	if [ ! -d "$d" ] || [ -L "${d%/}" ] || [ "$v" = original_module ]; then continue; fi
	log "dkms: removing $pkg/$v"
	if [ ! -f "$dtree/$v/source/dkms.conf" ]; then
		rm -rf "/usr/src/$pkg-$v" && cp -a "$stage" "/usr/src/$pkg-$v"
		sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$v\"/" "/usr/src/$pkg-$v/dkms.conf"
	fi
	if ! dkms remove -m "$pkg" -v "$v" --all >/dev/null; then
		log "dkms: remove of $pkg/$v failed; deleting $dtree/$v"
		rm -rf "${dtree:?}/$v"
	fi
done
for d in /usr/src/"$pkg"-*/; do
	if grep -qsx "PACKAGE_NAME=\"$pkg\"" "$d/dkms.conf"; then rm -rf "$d"; fi
done
cp -a "$stage" "/usr/src/$pkg-$ver"
chmod 755 "/usr/src/$pkg-$ver"

fail() {
	local mlog=/var/lib/dkms/$pkg/$ver/build/make.log
	if [ -f "$mlog" ]; then
		echo "--- $mlog (tail, then its errors)"
		tail -20 "$mlog"
		grep -E 'error:|ERROR:|\*\*\*' "$mlog" | head -15
	fi >&2
	die "dkms $1 of $pkg/$ver for $kver failed"
}
dkms add -m "$pkg" -v "$ver" || fail add
dkms build -m "$pkg" -v "$ver" -k "$kver" || fail build
dkms install -m "$pkg" -v "$ver" -k "$kver" || fail install
dkms status -m "$pkg" -v "$ver" -k "$kver" | grep -q ': installed' ||
	die "dkms status does not list $pkg/$ver installed for $kver"

# What modprobe would load for KVER must be what dkms installed.
[ -n "$out" ] && mkdir -p "$out"
for m in "${mods[@]}"; do
	ko=$(modinfo -k "$kver" -n "$m") || die "modinfo -k $kver: no $m after dkms install"
	case "$ko" in */updates/dkms/*) ;; *) die "$m for $kver resolves to $ko, not dkms's" ;; esac
	[ -n "$out" ] || continue
	rm -f "$out/$m.ko"
	case "$ko" in
	*.ko.xz) xz -dc "$ko" >"$out/$m.ko" ;;
	*.ko.gz) gzip -dc "$ko" >"$out/$m.ko" ;;
	*.ko.zst) zstd -qdc "$ko" >"$out/$m.ko" ;;
	*) cp "$ko" "$out/$m.ko" ;;
	esac
	log "dkms: $ko${out:+ -> $out/$m.ko}"
done
