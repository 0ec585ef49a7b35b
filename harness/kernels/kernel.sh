#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kernel.sh MODE: build the test kernel for CONFIG_NET_MIRROR=MODE into
# build/obj-MODE (build.sh). =y and =n are the lean VM kernel; =m is also
# the debug kernel (KASAN, lockdep, kmemleak, ...) that the hardening
# tests run on, so that module load and unload run under the checkers.
# =y and =n, which the bench boots, also carry what it measures. The
# gates build =n and the series' prefixes from copies of these kernels'
# objects, with the same fragments (gates.sh: y_fragments, and
# kernel.sh --fragments MODE, which prints them).
set -euo pipefail

cfg=$(cd "$(dirname "$0")" && pwd)/config
list=0
[ "${1:-}" = --fragments ] && { list=1; shift; }
case ${1:-} in
y|n) extra=("$cfg/bench.config") ;;
m) extra=("$cfg/debug.config") ;;
*) echo "kernel.sh: MODE is y, m or n" >&2; exit 2 ;;
esac
fragments=("$cfg/vm.config" "${extra[@]}" "$cfg/mirror-$1.config")
if [ $list = 1 ]; then
	echo "${fragments[@]}"
	exit
fi
exec "$(dirname "$0")/build.sh" "$1" "${fragments[@]}"
