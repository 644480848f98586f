#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) a lockdep/KASAN test kernel from Debian's kernel source.
# Usage: kernel.sh [LINE]   LINE: 6.12 (the default) or 7 (the newest
# linux-source-7.* of trixie-backports). Prints the build directory (usable
# as KDIR) on stdout; the extracted source is $CACHE/src/<version>.
set -euo pipefail
. "$(dirname "$0")/common.sh"

line=${1:-6.12}
pkg=$(kernel_pkg "$line")
need_pkgs "$pkg" build-essential bc bison flex libelf-dev libssl-dev \
	cpio xz-utils kmod ccache sparse
SRC_TAR=/usr/src/$pkg.tar.xz
key=$(kernel_key "$line")
src=$(kernel_src "$line")
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

frags=("$FRAGMENT" "$FRAGMENT-$line")
log "configuring $pkg (tinyconfig + ${frags[*]##*/})"
mk tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" >/dev/null
mk olddefconfig >/dev/null

# Options with unmet dependencies vanish silently: name every one.
bad=0
while IFS= read -r opt; do
	case "$opt" in
	CONFIG_*=*)
		grep -qx -- "$opt" "$out/.config" || {
			echo "vm: option did not stick: $opt (got: $(grep -E "^(# )?${opt%%=*}[= ]" "$out/.config" || echo unset))" >&2
			bad=1
		}
		;;
	"# CONFIG_"*" is not set")
		opt=${opt#\# }; opt=${opt%% *}
		grep -q "^$opt=" "$out/.config" && { echo "vm: option should be off: $opt" >&2; bad=1; }
		;;
	esac
done < <(cat "${frags[@]}")
[ $bad -eq 0 ] || die "kernel config fragment did not apply"

log "building kernel in $out (cold build: ~12 min on 2 idle cores)"
start=$(date +%s)
mk -j"$(nproc)" bzImage modules >"$out/build.log" 2>&1 ||
	{ tail -40 "$out/build.log" >&2; die "kernel build failed"; }
secs=$(($(date +%s) - start))
log "kernel built in $secs s"
echo "$secs" >"$out/.build-seconds"	# for make bench
touch "$out/.built"
echo "$out"
