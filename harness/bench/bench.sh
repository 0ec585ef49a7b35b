#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench: pktgen rates on dummy devices, in the test VM, for the
# kernel with the series (CONFIG_NET_MIRROR=y) and the same config with
# =n, ROUNDS (default 5) rounds alternating the two kernels, the rows in
# an order rotated each round (guest.sh); BENCH_ROWS="row_none ..." runs
# only those rows (guest.sh's names). Writes
# build/bench/results.md (medians, instructions per frame and per copy,
# whether every copy arrived, the spec's targets) and results.png. The
# VM counts time in instructions (vm.sh's VM_ICOUNT): rates are
# instructions per frame, free of the host's noise. The floor row loads
# harness/bench/floor.c, built here for the =y kernel.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=build/bench
rounds=${ROUNDS:-5}
count=${BENCH_COUNT:-50000}

harness/series/tree.sh
harness/series/iproute2.sh	# the options rows use its ip
for mode in y n; do
	harness/kernels/kernel.sh "$mode"
done

# The floor row's module, built for the =y kernel
mkdir -p "$out/floor"
cp harness/bench/floor.c "$out/floor/bench_floor.c"
echo 'obj-m := bench_floor.o' > "$out/floor/Kbuild"
make -s -C build/obj-y M="$top/$out/floor" modules
: > "$out/raw.txt"
for round in $(seq 1 "$rounds"); do
	for mode in n y; do
		echo "bench: round $round/$rounds, CONFIG_NET_MIRROR=$mode"
		VM_NICS=1 VM_ICOUNT=1 VM_CONSOLE=$out/console-$mode.log harness/vm/vm.sh \
			"build/obj-$mode" "$top/harness/bench/guest.sh" "$mode" \
			"$round" "$count" "$top/$out/floor/bench_floor.ko" \
			"${BENCH_ROWS:-}" |
			tee -a "$out/raw.txt" | grep '^RESULT\|^COPIES\|^QUEUES'
	done
done

# Where copies from two CPUs go: two CPUs online, so without icount
echo "bench: copies from two CPUs into a 2-queue destination"
VM_CONSOLE=$out/console-queues.log harness/vm/vm.sh build/obj-y \
	"$top/harness/bench/guest.sh" y queues "$count" |
	tee -a "$out/raw.txt" | grep '^QUEUES'

# A row that lost copies fails the run, after the report is written
status=0
python3 harness/bench/report.py "$out/raw.txt" "$out" \
	"$(git -C build/linux log -1 --format=%s base)" "$rounds" "$count" ||
	status=$?
gnuplot "$out/results.gp"
echo "bench: $out/results.md $out/results.png"
exit $status
