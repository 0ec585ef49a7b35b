#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# kernel.sh MODE: build the test kernel for CONFIG_NET_MIRROR=MODE into
# build/obj-MODE (build.sh). =y and =n are the lean VM kernel; =m is also
# the debug kernel (KASAN, lockdep, kmemleak, ...) that the hardening
# tests run on, so that module load and unload run under the checkers.
# =y and =n, which the bench boots, also carry what it measures.
set -euo pipefail

cfg=$(cd "$(dirname "$0")" && pwd)/config
case $1 in
y|n) extra=("$cfg/bench.config") ;;
m) extra=("$cfg/debug.config") ;;
*) echo "kernel.sh: MODE is y, m or n" >&2; exit 2 ;;
esac
exec "$(dirname "$0")/build.sh" "$1" "$cfg/vm.config" "${extra[@]}" \
	"$cfg/mirror-$1.config"
