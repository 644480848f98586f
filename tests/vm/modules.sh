#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build every module of the project against KDIR in a scratch copy under the
# cache (so builds for several kernels never mix in the work tree).
# Usage: modules.sh KDIR OUTDIR [extra make args...]; fails on any warning.
set -euo pipefail
. "$(dirname "$0")/common.sh"
kdir=$1 out=$2
shift 2
mkdir -p "$out"
rsync -a --delete --exclude .git --exclude userspace --exclude 'tests/selftests' \
	--exclude 'tests/vm' "$REPO/" "$out/"
log=$out/build.log
if ! make -C "$kdir" M="$out" W=1 "$@" modules >"$log" 2>&1; then
	cat "$log" >&2
	die "module build failed"
fi
if grep -E 'warning:|error:' "$log" >&2; then
	die "module build has warnings"
fi
