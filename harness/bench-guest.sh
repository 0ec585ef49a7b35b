#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench-guest.sh KERNEL: inside the VM, measure pktgen's rate on dummy0
# for every configuration this kernel can show, both paths, and print
# one line per figure: "RESULT KERNEL CONFIG PATH PPS".
#
# Paths: tx is pktgen's queue_xmit (dev_queue_xmit on dummy0), rx its
# netif_receive (netif_receive_skb on dummy0). 64-byte frames.
set -eu

kernel=$1
count=${BENCH_COUNT:-50000}
pgctl=/proc/net/pktgen

pg() { echo "$2" > "$pgctl/$1"; }

# dummyN up, no IPv6, no qdisc of its own
dummies() {
	local i

	for i in "$@"; do
		ip link add "dummy$i" type dummy 2> /dev/null || true
		ip link set "dummy$i" up
	done
}

# run MODE COUNT: pktgen on dummy0, frames of SIZE + 4 bytes (60: 64);
# prints the rate
run() {
	pg kpktgend_0 rem_device_all
	pg kpktgend_0 "add_device dummy0"
	pg dummy0 "count $2"
	pg dummy0 "pkt_size ${SIZE:-60}"
	pg dummy0 "xmit_mode $1"
	pg dummy0 "dst_mac $(cat /sys/class/net/dummy0/address)"
	pg pgctrl start
	sed -n 's/^ *\([0-9]*\)pps.*/\1/p' "$pgctl/dummy0"
}

# measure CONFIG: rates on dummy0 in both modes. bench.sh runs the VM
# under icount, where translating code costs the guest no time: no
# warm-up run is needed.
measure() {
	local config=$1 mode path pps

	for mode in queue_xmit netif_receive; do
		path=tx
		[ $mode = netif_receive ] && path=rx
		pps=$(run $mode "$count")
		echo "RESULT $kernel $config $path $pps"
	done
}

mirror() { echo "$2" > "/sys/class/net/$1/mirror_to"; }

sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link del dummy0 2> /dev/null || true
dummies 0 1 2 3 4 5

measure none
SIZE=1510 measure none-1500
[ "$kernel" = n ] && exit 0

# A mirror elsewhere: the probes run for dummy0's frames but find nothing
mirror dummy5 dummy4
measure other
mirror dummy5 -dummy4

mirror dummy0 dummy1
measure mirror-1dest
SIZE=1510 measure mirror-1dest-1500

# The options (ip link ... mirror, with the iproute2 series): a frame
# that direction or sampling skips costs no clone, a truncated copy no
# more than a whole one
if ip link help 2>&1 | grep -q 'mirror {'; then
	ip link set dummy0 mirror change dummy1 direction tx
	measure opt-direction-tx
	ip link set dummy0 mirror change dummy1 direction both sample 1000000
	measure opt-sample-skip
	ip link set dummy0 mirror change dummy1 sample 1 snaplen 128
	SIZE=1510 measure opt-snaplen-1500
	ip link set dummy0 mirror change dummy1 snaplen 0
fi
mirror dummy0 dummy2
measure mirror-2dest
mirror dummy0 dummy3
mirror dummy0 dummy4
measure mirror-4dest
for d in 2 3 4; do mirror dummy0 "-dummy$d"; done

# 100 and 4096 devices mirrored to dummy1, dummy0 among them
for n in 100 4096; do
	for ((i = 6; i < n + 5; i++)); do
		echo "link add dummy$i type dummy"
	done | ip -force -batch - 2> /dev/null || true
	for ((i = 6; i < n + 5; i++)); do
		echo dummy1 > "/sys/class/net/dummy$i/mirror_to" 2> /dev/null || true
	done
	measure "mirror-$n-sources"
done
for ((i = 6; i < 4096 + 5; i++)); do
	echo "link del dummy$i"
done | ip -force -batch - 2> /dev/null || true
mirror dummy0 -dummy1

tc qdisc add dev dummy0 clsact
tc filter add dev dummy0 egress matchall action mirred egress mirror dev dummy1
tc filter add dev dummy0 ingress matchall action mirred egress mirror dev dummy1
measure tc-mirred
tc qdisc del dev dummy0 clsact

nft -f - <<EOF
table netdev bench {
	chain in { type filter hook ingress device dummy0 priority 0; dup to dummy1; }
	chain out { type filter hook egress device dummy0 priority 0; dup to dummy1; }
}
EOF
measure nft-dup
nft delete table netdev bench
