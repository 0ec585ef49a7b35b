#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench: pktgen rates on dummy devices, in the test VM, for the
# kernel with the series (CONFIG_NET_MIRROR=y) and the same config with
# =n, ROUNDS (default 5) rounds alternating the two kernels. Writes
# build/bench/results.md (medians and the ratios of the spec's targets)
# and build/bench/results.png. The VM counts time in instructions
# (vm.sh's VM_ICOUNT): rates are instructions per frame, free of the
# host's noise.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench
rounds=${ROUNDS:-5}

harness/tree.sh
harness/iproute2.sh	# the options rows use its ip
for mode in y n; do
	harness/kernel.sh "$mode"
done

mkdir -p "$out"
: > "$out/raw.txt"
for round in $(seq 1 "$rounds"); do
	for mode in n y; do
		echo "bench: round $round/$rounds, CONFIG_NET_MIRROR=$mode"
		VM_ICOUNT=1 VM_CONSOLE=$out/console-$mode.log harness/vm.sh "build/obj-$mode" "$top/harness/bench-guest.sh" "$mode" |
			tee -a "$out/raw.txt" | grep '^RESULT'
	done
done

python3 harness/bench-report.py "$out/raw.txt" "$out" \
	"$(git -C build/linux log -1 --format=%s base)" "$rounds"
gnuplot "$out/results.gp"
echo "bench: $out/results.md $out/results.png"
