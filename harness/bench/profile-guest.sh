#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# profile-guest.sh [queue_xmit|netif_receive] [none|mirror|tc|floor|
# deferred]: inside the VM (make run SCRIPT=harness/bench/profile-guest.sh
# ARGS="queue_xmit mirror"), where pktgen's time goes on dummy0, by symbol
# (perf, cpu-clock). floor: make bench's floor module (build it first);
# deferred: mirrored, dummy0 with pfifo_fast (its copies wait for BH).
set -eu

mode=${1:-queue_xmit}
setup=${2:-mirror}
cd /tmp
for i in 0 1; do
	ip link add "dummy$i" type dummy 2> /dev/null || true
	ip link set "dummy$i" up
done
case $setup in
mirror) echo dummy1 > /sys/class/net/dummy0/mirror_to ;;
floor) insmod "$(dirname "$0")/../../build/bench/floor/bench_floor.ko" ;;
deferred)
	tc qdisc replace dev dummy0 root pfifo_fast
	echo dummy1 > /sys/class/net/dummy0/mirror_to
	;;
tc)
	tc qdisc add dev dummy0 clsact
	tc filter add dev dummy0 egress matchall action mirred egress mirror dev dummy1
	tc filter add dev dummy0 ingress matchall action mirred egress mirror dev dummy1
	;;
esac
pg() { echo "$2" > "/proc/net/pktgen/$1"; }
pg kpktgend_0 rem_device_all
pg kpktgend_0 "add_device dummy0"
pg dummy0 "count 0"
pg dummy0 "pkt_size 60"
pg dummy0 "xmit_mode $mode"
pg dummy0 "dst_mac $(cat /sys/class/net/dummy0/address)"
pg pgctrl start &
sleep 1
perf record -q -e cpu-clock -C 0 -o /tmp/perf.data -- sleep 5 2> /dev/null
pg pgctrl stop
wait
perf report -i /tmp/perf.data --stdio --no-children --sort sym 2> /dev/null |
	grep -v '^#' | grep -v '^$' | head -40
