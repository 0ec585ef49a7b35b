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
#   no hang, for LLTX devices (veth) and for virtio-net; and veth devices
#   under VLANs with fq_codel, each mirrored to the other's VLAN, where
#   the busylock held is the upper's;
# - a TCP stream each way through a mirrored device, its copies captured
#   at the far end of the destination and compared with the bytes sent
#   (tcpstream.py): a virtio-net source (segments sent, GRO packets
#   received) into a veth; a veth source (GSO packets with partial
#   checksums both ways) into a virtio-net NIC without those offloads,
#   which must segment and checksum every copy, and into a vxlan;
# - a destination deleted while copies wait in the per-CPU queue;
# - an entry with a rate and a priority between two virtio-net NICs;
# - a bond over the virtio-net NIC and a VLAN over the bond, each
#   mirrored: copies of what each sends and receives, exact counts.

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
# Bytes of each TCP stream: tens of GSO packets each way
BYTES=500000

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

	for nic in x y u; do
		ip link add ${nic}0 type veth peer name ${nic}1 netns $C
		ip link set ${nic}0 up
		ip -n $C link set ${nic}1 up
	done
	ip addr add 10.2.2.1/24 dev y0
	ip -n $C addr add 10.2.2.2/24 dev y1
	static_neigh "" y0 10.2.2.1 $C y1 10.2.2.2
	# A vxlan whose underlay is u0, decapsulated at vx1
	ip addr add 10.2.3.1/24 dev u0
	ip -n $C addr add 10.2.3.2/24 dev u1
	static_neigh "" u0 10.2.3.1 $C u1 10.2.3.2
	ip link add vx0 up type vxlan id 42 local 10.2.3.1 remote 10.2.3.2 \
		dstport 4789
	ip -n $C link add vx1 up type vxlan id 42 local 10.2.3.2 \
		remote 10.2.3.1 dstport 4789
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
	ping -q -c $N -i 0.01 -W 2 10.2.1.2 | all_answered || why+=" pings lost"
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

# busylock_case NAME QDISC "DEV..." "SOURCE:DEST...": a QDISC root qdisc
# on each DEV, the mirrors SOURCE:DEST, and pktgen sending on each DEV
# from both CPUs, so that each qdisc's busylock is contended and held
# across the transmit below it
# tx_sum DEV...: frames the devices sent or dropped on transmit
tx_sum()
{
	local dev n=0

	for dev in "$@"; do
		n=$((n + $(stat_of "$dev" tx_packets) + $(stat_of "$dev" tx_dropped)))
	done
	echo $n
}

busylock_case()
{
	local name=$1 qdisc=$2 devs=$3 mirrors=$4 why="" t dev sent n m tx

	for dev in $devs; do
		tc qdisc replace dev "$dev" root $qdisc || why+=" cannot set $qdisc on $dev"
	done
	for m in $mirrors; do
		echo "${m#*:}" > "/sys/class/net/${m%:*}/mirror_to" || why+=" cannot mirror $m"
	done

	modprobe pktgen 2> /dev/null
	for t in 0 1; do
		pktgen_set "kpktgend_$t" rem_device_all
		for dev in $devs; do
			pktgen_set "kpktgend_$t" "add_device $dev@$t" &&
			pktgen_set "$dev@$t" "count $FRAMES" &&
			pktgen_set "$dev@$t" "pkt_size 64" &&
			pktgen_set "$dev@$t" "dst 10.9.9.9" &&
			pktgen_set "$dev@$t" "dst_mac 02:00:00:00:00:01" &&
			pktgen_set "$dev@$t" "xmit_mode queue_xmit" ||
				why+=" pktgen setup of $dev on CPU $t"
		done
	done
	tx=$(tx_sum $devs)
	timeout 600 sh -c 'echo start > /proc/net/pktgen/pgctrl' ||
		why+=" pktgen did not finish in 600 s"
	sent=0
	for t in 0 1; do
		for dev in $devs; do
			n=$(sed -n 's/.*pkts-sofar: \([0-9]*\).*/\1/p' \
				"/proc/net/pktgen/$dev@$t")
			sent=$((sent + ${n:-0}))
		done
		pktgen_set "kpktgend_$t" rem_device_all
	done
	n=$(($(wc -w <<< "$devs") * 2 * FRAMES))
	[ "$sent" = $n ] || why+=" pktgen sent $sent frames, want $n"
	# The destinations are among the devices: what they sent beyond
	# pktgen's frames are copies (the case is void without)
	sleep 1
	tx=$(($(tx_sum $devs) - tx - sent))
	[ "$tx" -gt 0 ] || why+=" no copy made ($tx)"
	lockdep_on || why+=" lockdep reported"

	for m in $mirrors; do
		echo "-${m#*:}" > "/sys/class/net/${m%:*}/mirror_to"
	done
	for dev in $devs; do
		tc qdisc del dev "$dev" root
	done
	result "$name, both CPUs: no lock report" "$([ -z "$why" ]; echo $?)" "$why"
}

# A noqueue LLTX source transmits inside its upper's qdisc run, under
# the upper's busylock when that is contended: copies sent from there
# take the destination's, crosswise here
upper_busylock_case()
{
	ip link add vlx link x0 up type vlan id 10
	ip link add vly link y0 up type vlan id 20
	busylock_case "veth under VLANs with fq_codel, each mirrored to the other's VLAN" \
		fq_codel "vlx vly" "x0:vly y0:vlx"
	ip link del vlx
	ip link del vly
}

# tcp_case NAME SOURCE DEST SERVER_NS SERVER_ADDR PORT CAPTURE [segments]:
# a TCP stream each way between here and SERVER_ADDR in SERVER_NS,
# through SOURCE mirrored to DEST. The copies captured on CAPTURE in $C
# must carry every byte of both streams. "segments": DEST has no GSO and
# no checksum offload, so it sends more frames than SOURCE carried GSO
# packets, each with right checksums.
tcp_case()
{
	local name=$1 src=$2 dst=$3 ns=$4 addr=$5 port=$6 cap=$7 seg=${8:-}
	local why="" pcap=/tmp/tcp-$port.pcap log=/tmp/tcp-$port.log
	local tcpdump_pid server_pid out copies frames

	echo "$dst" > "/sys/class/net/$src/mirror_to" || why+=" write $dst to $src"
	ip netns exec $C tcpdump -i "$cap" -n -s 0 -B 16384 --immediate-mode \
		-w "$pcap" "tcp port $port" 2> "$log" &
	tcpdump_pid=$!
	slowwait_tcpdump "$log" || why+=" tcpdump did not start"
	frames=$(($(stat_of "$src" tx_packets) + $(stat_of "$src" rx_packets)))
	copies=$(stat_of "$dst" tx_packets)
	ip netns exec "$ns" ./tcpstream.py server "$addr" "$port" $BYTES &
	server_pid=$!
	./tcpstream.py client "$addr" "$port" $BYTES || why+=" the stream failed"
	wait $server_pid || why+=" the server received other bytes"
	echo "-$dst" > "/sys/class/net/$src/mirror_to"
	sleep 1		# copies on their way
	frames=$(($(stat_of "$src" tx_packets) + $(stat_of "$src" rx_packets) -
		  frames))
	copies=$(($(stat_of "$dst" tx_packets) - copies))
	kill -INT $tcpdump_pid
	wait $tcpdump_pid
	grep -q '^0 packets dropped by kernel' "$log" ||
		why+=" tcpdump: $(grep 'dropped by kernel' "$log")"
	[ -z "$seg" ] || [ $copies -gt $frames ] ||
		why+=" $dst sent $copies copies of $frames frames: no GSO packet"
	out=$(./tcpstream.py compare "$pcap" "$port" $BYTES \
		${seg:+--csum}) ||
		why+=" $(echo $out)"
	echo "$src: $frames frames; $dst: $copies copies sent; $(echo $out)"
	lockdep_on || why+=" lockdep reported"
	rm -f "$pcap" "$log"
	result "TCP $name: the copies carry both streams" \
		"$([ -z "$why" ]; echo $?)" "$why"
}

tcp_cases()
{
	# The capture sees the frames vd0 sent, not what GRO makes of them
	ip netns exec $C ethtool -K vd1 gro off
	tcp_case "over virtio-net into a veth" vs0 x0 $B 10.2.1.2 5001 x1
	tcp_case "over a veth (GSO) into virtio-net (no GSO, no checksum offload)" \
		y0 vd0 $C 10.2.2.2 5002 vd1 segments
	tcp_case "over a veth (GSO) into a vxlan" y0 vx0 $C 10.2.2.2 5003 vx1
}

# A destination deleted from one CPU while the other holds copies for it
# in its per-CPU queue: pktgen receives a burst on CPU 0 with BH off, a
# bridge floods each frame out of ifbq (not LLTX, and without a qdisc:
# its copies wait for BH), which is mirrored to q0. The deletion of q0 from CPU 1 waits for
# the burst (an RCU reader) and for the queue to drain (each copy pins
# q0), then returns; KASAN and the refcount tracker watch the copies.
deleted_while_queued()
{
	local why="" n=10000 pg=/proc/net/pktgen seen=0 t0 t1 del_s pgctrl_pid d
	local del_pid seen_file=/tmp/deleted-while-queued

	ip link add q0 type veth peer name q1 netns $C
	ip link add ifbq type ifb
	tc qdisc replace dev ifbq root noqueue
	ip link add pg0 type dummy
	ip link add br0 type bridge
	for d in q0 ifbq pg0 br0; do
		[ $d = br0 ] || [ $d = q0 ] || ip link set $d master br0
		ip link set $d up
	done
	ip -n $C link set q1 up
	echo q0 > /sys/class/net/ifbq/mirror_to || why+=" write q0 to ifbq"

	modprobe pktgen 2> /dev/null
	pktgen_set kpktgend_0 rem_device_all
	pktgen_set kpktgend_0 "add_device pg0" &&
	pktgen_set pg0 "xmit_mode netif_receive" &&
	pktgen_set pg0 "count $n" &&
	pktgen_set pg0 "burst $n" &&
	pktgen_set pg0 "dst 10.2.9.2" &&
	pktgen_set pg0 "dst_mac 02:00:00:00:00:09" || why+=" pktgen setup"
	# ifb counts what it is given to send in its rx counters. From CPU
	# 1, wait for the first it flooded with a builtin read, so that no
	# fork comes between seeing the burst and the deletion (a fork takes
	# most of a second here, the burst a few), note how many, and delete
	# q0 from the same process
	rm -f "$seen_file" "$seen_file.ready"
	taskset -c 1 bash -c '
		: > '"$seen_file.ready"'
		until read -r n < /sys/class/net/ifbq/statistics/rx_packets &&
			[ "$n" -gt 0 ]; do
			[ $SECONDS -lt 60 ] || exit 1
		done
		echo "$n ${EPOCHREALTIME/./}" > '"$seen_file"'
		exec ip link del q0' &
	del_pid=$!
	# The burst once the reader polls, not while it starts
	for ((d = 0; d < 600; d++)); do
		[ -e "$seen_file.ready" ] && break
		sleep 0.05
	done
	(echo start > $pg/pgctrl) &
	pgctrl_pid=$!
	wait $del_pid || why+=" ip link del q0 failed"
	t1=${EPOCHREALTIME/./}
	read -r seen t0 < "$seen_file" || seen=0 t0=$t1
	del_s=$(((t1 - t0) / 1000))
	wait $pgctrl_pid
	[ "$seen" -gt 0 ] && [ "$seen" -lt $n ] ||
		why+=" the burst had flooded $seen of $n frames at the deletion"
	d=$(sed -n 's/.*pkts-sofar: \([0-9]*\).*/\1/p' $pg/pg0)
	[ "$d" = $n ] || why+=" pktgen received $d frames, want $n"
	[ "$(stat_of ifbq rx_packets)" = $n ] ||
		why+=" ifbq flooded $(stat_of ifbq rx_packets) frames, want $n"
	[ -z "$(cat /sys/class/net/ifbq/mirror_to)" ] ||
		why+=" ifbq still mirrors to $(cat /sys/class/net/ifbq/mirror_to)"
	[ $del_s -lt 30000 ] || why+=" ip link del q0 took $del_s ms"
	lockdep_on || why+=" lockdep reported"
	echo "deletion began after $seen of $n frames, returned in $del_s ms"
	pktgen_set kpktgend_0 rem_device_all
	for d in br0 ifbq pg0; do
		ip link del $d
	done
	result "a destination deleted while copies wait for it in the per-CPU queue" \
		"$([ -z "$why" ]; echo $?)" "$why"
}

# entry_stat DEV DEST FIELD: a counter of DEV's entry for DEST
entry_stat()
{
	ip -s -d -j link show dev "$1" |
		jq -r --arg d "$2" ".[0].mirror_to[]? | select(.ifname == \$d) | .stats.$3"
}

# rate and priority between virtio-net NICs: vs0 mirrored to vd0, whose
# prio qdisc sorts the copies by the entry's priority. Rate 1 with a
# burst of 5 over N pings in well under a second by the wall: the burst,
# at most a copy a second more, the rest counted over the rate; then
# without a rate, every frame. Each copy in band 1:3, sent by vd0.
virtio_rate_priority()
{
	local why="" p t c s pkts over got

	tc qdisc replace dev vd0 root handle 1: prio
	ip link set vs0 mirror add vd0 rate 1 burst 5 priority 1:3 ||
		why+=" entry refused"
	t=$(stat_of vd0 tx_packets)
	s=$EPOCHSECONDS
	ping -q -c $N -i 0.01 -W 2 10.2.1.2 | all_answered ||
		why+=" pings lost"
	s=$((EPOCHSECONDS - s + 1))
	pkts=$(entry_stat vs0 vd0 packets)
	over=$(entry_stat vs0 vd0 overlimits)
	[ $((pkts + over)) = $((2 * N)) ] ||
		why+=" rate 1 burst 5: $pkts copies, $over over, want $((2 * N)) frames"
	[ "$pkts" -ge 5 ] && [ "$pkts" -le $((5 + s)) ] ||
		why+=" rate 1 burst 5: $pkts copies in ${s}s, want 5 to $((5 + s))"
	ip link set vs0 mirror change vd0 rate 0 || why+=" change refused"
	ping -q -c $N -i 0.01 -W 2 10.2.1.2 | all_answered ||
		why+=" pings lost"
	p=$(entry_stat vs0 vd0 packets)
	[ $((p - pkts)) = $((2 * N)) ] ||
		why+=" no rate: $((p - pkts)) copies, want $((2 * N))"
	got=$(wait_stat vd0 tx_packets $((t + p)))
	[ "$got" = $((t + p)) ] ||
		why+=" vd0 sent $((got - t)) frames, want the entry's $p"
	c=$(tc -s class show dev vd0 | awk '$1 == "class" { this = ($3 == "1:3") }
		this && $1 == "Sent" { print $4; exit }')
	[ "$c" = "$p" ] || why+=" band 1:3 sent $c, want the entry's $p"
	[ "$(entry_stat vs0 vd0 dropped)" = 0 ] || why+=" copies dropped"
	ip link set vs0 mirror del vd0
	tc qdisc del dev vd0 root
	result "virtio-net to virtio-net: rate and priority of an entry, exact" \
		"$([ -z "$why" ]; echo $?)" "$why"
}

# A server's interfaces: a bond (balance-xor) over the virtio-net NIC
# vs0, a VLAN over the bond. Each upper device's copies: what it sent and
# received, the bond's including the VLAN's frames, tagged. Last: vs0
# stays in the bond.
virtio_uppers()
{
	local why="" x y got

	ip link set vs0 down
	ip link add vb type bond mode balance-xor
	ip link set vs0 master vb || why+=" vs0 into a bond"
	ip link set vb up
	ip link add link vb name vb.7 up type vlan id 7
	ip -n $B link add link vs1 name vs1.7 up type vlan id 7
	ip addr add 10.2.5.1/24 dev vb
	ip -n $B addr add 10.2.5.2/24 dev vs1
	static_neigh "" vb 10.2.5.1 $B vs1 10.2.5.2
	ip addr add 10.2.7.1/24 dev vb.7
	ip -n $B addr add 10.2.7.2/24 dev vs1.7
	static_neigh "" vb.7 10.2.7.1 $B vs1.7 10.2.7.2
	echo x0 > /sys/class/net/vb/mirror_to || why+=" write x0 to vb"
	echo y0 > /sys/class/net/vb.7/mirror_to || why+=" write y0 to vb.7"
	x=$(stat_of x0 tx_packets)
	y=$(stat_of y0 tx_packets)
	ping -q -c $N -i 0.01 -W 2 10.2.5.2 | all_answered ||
		why+=" pings over the bond lost"
	ping -q -c $N -i 0.01 -W 2 10.2.7.2 | all_answered ||
		why+=" pings over the VLAN lost"
	got=$(wait_stat x0 tx_packets $((x + 4 * N)))
	[ "$got" = $((x + 4 * N)) ] ||
		why+=" x0 sent $((got - x)) copies of vb, want $((4 * N))"
	got=$(wait_stat y0 tx_packets $((y + 2 * N)))
	[ "$got" = $((y + 2 * N)) ] ||
		why+=" y0 sent $((got - y)) copies of vb.7, want $((2 * N))"
	echo -x0 > /sys/class/net/vb/mirror_to
	echo -y0 > /sys/class/net/vb.7/mirror_to
	result "a bond over virtio-net and a VLAN over it: copies of both directions" \
		"$([ -z "$why" ]; echo $?)" "$why"
}

cleanup()
{
	ip link del vb 2> /dev/null
	ip link del vx0 2> /dev/null
	ip link del x0 2> /dev/null
	ip link del y0 2> /dev/null
	ip link del u0 2> /dev/null
	ip netns del $B 2> /dev/null
	ip netns del $C 2> /dev/null
}

trap cleanup EXIT
setup || { result "datapath: setup (virtio-net NICs, veth pairs)" 1; exit 1; }

rx_network_header
tcp_cases
deleted_while_queued
busylock_case "two veth (LLTX) mirroring each other under pfifo" \
	"pfifo limit 1000" "x0 y0" "x0:y0 y0:x0"
busylock_case "two virtio-net (not LLTX) mirroring each other under pfifo" \
	"pfifo limit 1000" "vs0 vd0" "vs0:vd0 vd0:vs0"
upper_busylock_case
virtio_rate_priority
virtio_uppers
[ $failures = 0 ]
