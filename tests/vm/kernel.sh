#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the lockdep/KASAN test kernel from Debian's linux-source-6.12.
# Prints the build directory (usable as KDIR) on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

need_pkgs linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev \
	cpio xz-utils kmod ccache sparse
SRC_TAR=/usr/src/linux-source-6.12.tar.xz
key=$(kernel_key)
ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
src=$CACHE/src/$ver
out=$CACHE/build/$key

if [ ! -f "$src/.extracted" ]; then
	log "extracting $SRC_TAR"
	rm -rf "$src" && mkdir -p "$src"
	tar -xf "$SRC_TAR" -C "$src" --strip-components=1
	touch "$src/.extracted"
fi

if [ -f "$out/.built" ]; then
	log "reusing kernel build $out"
	echo "$out"
	exit 0
fi

mkdir -p "$out"
mk() { make -s -C "$src" O="$out" CC="ccache gcc" "$@"; }

log "configuring (tinyconfig + tests/vm/config)"
mk tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$FRAGMENT" >/dev/null
mk olddefconfig >/dev/null

# Options with unmet dependencies vanish silently: name every one.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qx -- "$line" "$out/.config" || {
			echo "vm: option did not stick: $line (got: $(grep -E "^(# )?${line%%=*}[= ]" "$out/.config" || echo unset))" >&2
			bad=1
		}
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		grep -q "^$opt=" "$out/.config" && { echo "vm: option should be off: $opt" >&2; bad=1; }
		;;
	esac
done <"$FRAGMENT"
[ $bad -eq 0 ] || die "kernel config fragment did not apply"

log "building kernel in $out (cold build: ~7 min on 2 idle cores)"
start=$(date +%s)
mk -j"$(nproc)" bzImage modules >"$out/build.log" 2>&1 ||
	{ tail -40 "$out/build.log" >&2; die "kernel build failed"; }
secs=$(($(date +%s) - start))
log "kernel built in $secs s"
echo "$secs" >"$out/.build-seconds"	# for make bench
touch "$out/.built"
echo "$out"
