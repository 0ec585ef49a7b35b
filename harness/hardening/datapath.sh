#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Datapath cases that need the debug kernel's checkers or the virtio-net
# NICs of vm.sh's VM_NICS=1 (a driver that is not LLTX and hands frames
# to the stack without GRO):
#
# - receive copies carry the network header __netif_receive_skb_core()
#   sets after the tracepoint: a destination's packet tap reports
#   "protocol 0800 is buggy" for a copy whose header is stale;
# - two devices mirroring each other, each with a pfifo root qdisc,
#   transmitting from both CPUs at once (so that each qdisc's busylock is
#   contended and held across the driver's transmit): no lockdep report,
#   no hang, for LLTX devices (veth) and for virtio-net.

cd "$(dirname "$0")" && source ./lib.sh

# Both cases need two CPUs sending at once
[ "$(nproc)" -ge 2 ] || { result "datapath: two CPUs online (nproc $(nproc))" 1; exit 1; }

N=10
# Frames per device per CPU: enough for the busylocks to be contended
# (the deadlock this guards against came within the first seconds), few
# enough for a debug VM sharing the host with the builds: about 30 s
FRAMES=5000
B=mirror-b
C=mirror-c

nic_by_mac()
{
	ip -br link | awk -v m="$1" '$3 == m { print $1 }'
}

kernel_log_count()
{
	dmesg | grep -c -- "$1"
}

setup()
{
	local nic

	ip netns add $B && ip netns add $C || return 1
	quiet_ns $B $C
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1

	nic=$(nic_by_mac 52:54:00:12:00:00)
	[ -n "$nic" ] || return 1
	ip link set "$nic" name vs0 up
	nic=$(nic_by_mac 52:54:00:12:00:01)
	ip link set "$nic" netns $B
	ip -n $B link set "$nic" name vs1 up
	ip addr add 10.2.1.1/24 dev vs0
	ip -n $B addr add 10.2.1.2/24 dev vs1
	static_neigh "" vs0 10.2.1.1 $B vs1 10.2.1.2
	ip link set "$(nic_by_mac 52:54:00:12:00:02)" name vd0 up
	nic=$(nic_by_mac 52:54:00:12:00:03)
	ip link set "$nic" netns $C
	ip -n $C link set "$nic" name vd1 up

	for nic in x y; do
		ip link add ${nic}0 type veth peer name ${nic}1 netns $C
		ip link set ${nic}0 up
		ip -n $C link set ${nic}1 up
	done
}

# A virtio-net source without GRO: its received frames reach the
# tracepoint with the network header the driver left (none)
rx_network_header()
{
	local why="" d0 buggy tcpdump_pid

	ethtool -K vs0 gro off || why+=" cannot turn GRO off on vs0"
	echo x0 > /sys/class/net/vs0/mirror_to || why+=" write x0 to vs0"
	# A packet tap on the destination checks each copy's headers
	tcpdump -i x0 -n -w /dev/null 2> /tmp/tcpdump-x0.log &
	tcpdump_pid=$!
	slowwait_tcpdump /tmp/tcpdump-x0.log || why+=" tcpdump did not start"
	buggy=$(kernel_log_count 'is buggy')
	d0=$(stat_of x0 tx_packets)
	ping -q -c $N -i 0.01 -W 2 10.2.1.2 > /dev/null || why+=" pings lost"
	[ "$(wait_stat x0 tx_packets $((d0 + 2 * N)))" = $((d0 + 2 * N)) ] ||
		why+=" x0 sent $(($(stat_of x0 tx_packets) - d0)) copies, want $((2 * N))"
	buggy=$(($(kernel_log_count 'is buggy') - buggy))
	[ $buggy = 0 ] || why+=" $buggy 'is buggy' lines in the kernel log"
	kill $tcpdump_pid
	wait $tcpdump_pid 2> /dev/null
	echo -x0 > /sys/class/net/vs0/mirror_to
	ethtool -K vs0 gro on
	result "receive copies of a virtio-net source without GRO: sane headers" \
		"$([ -z "$why" ]; echo $?)" "$why"
}

slowwait_tcpdump()
{
	local i

	for ((i = 0; i < 50; i++)); do
		grep -q listening "$1" 2> /dev/null && return 0
		sleep 0.1
	done
	return 1
}

pktgen_set()
{
	echo "$2" > "/proc/net/pktgen/$1"
}

# busylock_case NAME DEV1 DEV2: DEV1 and DEV2 mirror each other under a
# pfifo root qdisc while pktgen sends on both from both CPUs
busylock_case()
{
	local name=$1 a=$2 b=$3 why="" t dev sent n

	tc qdisc replace dev "$a" root pfifo limit 1000 &&
	tc qdisc replace dev "$b" root pfifo limit 1000 || why+=" cannot set pfifo"
	echo "$b" > "/sys/class/net/$a/mirror_to" &&
	echo "$a" > "/sys/class/net/$b/mirror_to" || why+=" cannot mirror"

	modprobe pktgen 2> /dev/null
	for t in 0 1; do
		pktgen_set "kpktgend_$t" rem_device_all
		for dev in "$a" "$b"; do
			pktgen_set "kpktgend_$t" "add_device $dev@$t" &&
			pktgen_set "$dev@$t" "count $FRAMES" &&
			pktgen_set "$dev@$t" "pkt_size 64" &&
			pktgen_set "$dev@$t" "dst 10.9.9.9" &&
			pktgen_set "$dev@$t" "dst_mac 02:00:00:00:00:01" &&
			pktgen_set "$dev@$t" "xmit_mode queue_xmit" ||
				why+=" pktgen setup of $dev on CPU $t"
		done
	done
	timeout 600 sh -c 'echo start > /proc/net/pktgen/pgctrl' ||
		why+=" pktgen did not finish in 600 s"
	sent=0
	for t in 0 1; do
		for dev in "$a" "$b"; do
			n=$(sed -n 's/.*pkts-sofar: \([0-9]*\).*/\1/p' \
				"/proc/net/pktgen/$dev@$t")
			sent=$((sent + ${n:-0}))
		done
		pktgen_set "kpktgend_$t" rem_device_all
	done
	[ "$sent" = $((4 * FRAMES)) ] ||
		why+=" pktgen sent $sent frames, want $((4 * FRAMES))"
	lockdep_on || why+=" lockdep reported"

	echo "-$b" > "/sys/class/net/$a/mirror_to"
	echo "-$a" > "/sys/class/net/$b/mirror_to"
	tc qdisc del dev "$a" root
	tc qdisc del dev "$b" root
	result "$name mirroring each other under pfifo, both CPUs: no lock report" \
		"$([ -z "$why" ]; echo $?)" "$why"
}

cleanup()
{
	ip link del x0 2> /dev/null
	ip link del y0 2> /dev/null
	ip netns del $B 2> /dev/null
	ip netns del $C 2> /dev/null
}

trap cleanup EXIT
setup || { result "datapath: setup (virtio-net NICs, veth pairs)" 1; exit 1; }

rx_network_header
busylock_case "two veth (LLTX)" x0 y0
busylock_case "two virtio-net (not LLTX)" vs0 vd0
[ $failures = 0 ]
