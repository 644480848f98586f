# SPDX-License-Identifier: GPL-2.0
# Shared settings for the VM rig scripts; sourced, never run.
# shellcheck shell=bash

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${DMABUF_P2P_CACHE:-$HOME/.cache/dmabuf-p2p}
FRAGMENT=$REPO/tests/vm/config
export CCACHE_DIR=$CACHE/ccache

# What make run, make soak and make check boot and build with (check adds
# its linters); the README lists these.
RIG_PKGS=(build-essential python3 rsync qemu-system-x86 busybox-static cpio
	ccache linux-source-6.12 libdrm-dev pkg-config)

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

# The cache key: kernel source version plus the fragment's hash, so an edit
# to the fragment builds a fresh tree and the old one stays reusable.
kernel_key() {
	local ver frag
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	frag=$(sha256sum "$FRAGMENT" | cut -c1-12)
	echo "${ver}-${frag}"
}
