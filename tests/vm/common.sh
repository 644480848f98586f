# SPDX-License-Identifier: GPL-2.0
# Shared settings for the VM rig scripts; sourced, never run.
# shellcheck shell=bash

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${DMABUF_P2P_CACHE:-$HOME/.cache/dmabuf-p2p}
FRAGMENT=$REPO/tests/vm/config
export CCACHE_DIR=$CACHE/ccache

# What make run, make soak and make check boot and build with (check adds
# its linters); the README lists these. rdma-core's static libibverbs and
# its providers (libibverbs-dev) with libnl's static libraries for the CLI;
# iproute2's rdma for the guest's Soft-RoCE link.
RIG_PKGS=(build-essential python3 rsync qemu-system-x86 busybox-static cpio
	ccache linux-source-6.12 libdrm-dev libjson-c-dev pkg-config
	libibverbs-dev libnl-3-dev libnl-route-3-dev iproute2)

die() { echo "vm: $*" >&2; exit 1; }
log() { echo "vm: $*" >&2; }

# Debian packages the rig needs, installed on demand when we are root.
need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]} (run as root or install them)"
	log "installing ${missing[*]}"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
}

# The Debian source package of a kernel line: 6.12 from bookworm, 7 the
# newest linux-source-7.* of trixie-backports (enabled on demand, pinned so
# that only the kernel source comes from it).
kernel_pkg() {
	case "$1" in
	6.12) echo linux-source-6.12 ;;
	7)
		[ -n "$(apt-cache pkgnames linux-source-7. 2>/dev/null)" ] || backports_src
		apt-cache pkgnames linux-source-7. | sort -V | tail -1 | grep . ||
			die "no linux-source-7.* in trixie-backports"
		;;
	*) die "unknown kernel line '$1' (lines: 6.12 7)" ;;
	esac
}

backports_src() {
	[ "$(id -u)" -eq 0 ] || die "linux-source-7.* needs trixie-backports (run as root to enable it)"
	log "enabling trixie-backports for linux-source-7.* only"
	cat >/etc/apt/sources.list.d/dmabuf-p2p-trixie-backports.sources <<-SRC
		Types: deb
		URIs: http://deb.debian.org/debian
		Suites: trixie-backports
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	SRC
	cat >/etc/apt/preferences.d/dmabuf-p2p-trixie-backports <<-PIN
		Package: *
		Pin: release n=trixie-backports
		Pin-Priority: -1

		Package: linux-source-7.*
		Pin: release n=trixie-backports
		Pin-Priority: 500
	PIN
	apt-get update -qq >/dev/null || die "apt-get update with trixie-backports failed"
}

# Where a line's source is extracted.
kernel_src() {
	local pkg
	pkg=$(kernel_pkg "$1")
	echo "$CACHE/src/$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || echo none)"
}

# The cache key: kernel source version plus the fragments' hash, so an edit
# to a fragment builds a fresh tree and the old one stays reusable.
kernel_key() {
	local line=${1:-6.12} pkg ver frag
	pkg=$(kernel_pkg "$line")
	ver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || echo none)
	frag=$(cat "$FRAGMENT" "$FRAGMENT-$line" | sha256sum | cut -c1-12)
	echo "${ver}-${frag}"
}
