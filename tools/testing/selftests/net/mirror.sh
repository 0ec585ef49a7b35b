#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Port mirroring through /sys/class/net/<dev>/mirror_to and rtnetlink's
# IFLA_MIRROR (Documentation/networking/port-mirroring.rst).
#
# Most cases use three namespaces: $A holds the source s0 and the
# destinations, $B the far end s1 of s0, and $C the far ends of the
# destinations, where the copies arrive. IPv6 is off and neighbours are
# static, so that the only frames on s0 are those the test sends and
# every count is exact.

source lib.sh

ALL_TESTS="
	module_autoload
	rx_tx_copies
	other_probes
	deferred_tx_copies
	qdisc_tx_copies
	throttled_tx_copies
	flush_overflow_order
	deferred_overflow
	same_bytes
	vlan_tag_kept
	upper_receive
	upper_receive_lacp
	remove_stops_copies
	several_destinations
	several_sources
	multiqueue_destination
	config_errors
	write_after_del
	both_directions
	chain
	copy_crosses_netns
	tunnel_over_source
	egress_hooks
	dropped_copy_counted_once
	destination_down
	destination_no_carrier
	slow_destination
	alloc_failures
	source_unregister
	destination_unregister
	netns_move
	rename
	type_change
	nl_module_autoload
	nl_directions
	nl_snaplen
	nl_sample
	nl_sample_two
	nl_change_under_traffic
	nl_counters
	nl_drop_counters
	nl_relay_loop
	nl_priority
	nl_priority_bottleneck
	nl_rate
	nl_session
	nl_session_loop
	nl_same_table
	nl_errors
	nl_monitor
	nl_dump_many
"

NPINGS=10

# ip netns exec with its own /sys, so that paths name the netns' devices
in_ns()
{
	local ns=$1; shift

	ip netns exec "$ns" "$@"
}

# mirror_write NS DEV FORMAT: printf FORMAT (so "\n" and "\0" work) into
# DEV's mirror_to; prints nothing on success, else the error's strerror
mirror_write()
{
	local ns=$1 dev=$2 fmt=$3 err

	err=$(in_ns "$ns" bash -c \
		'printf -- "$2" > "/sys/class/net/$1/mirror_to"' _ "$dev" "$fmt" 2>&1)
	echo "${err##*write error: }"
}

mirror_read()
{
	in_ns "$1" cat "/sys/class/net/$2/mirror_to"
}

stat_get()
{
	in_ns "$1" cat "/sys/class/net/$2/statistics/$3"
}

check_eq()
{
	local what=$1 got=$2 want=$3

	if [ "$got" != "$want" ]; then
		RET=$ksft_fail
		retmsg="$what: got '$got', want '$want'"
		return 1
	fi
}

check_write()
{
	local ns=$1 dev=$2 fmt=$3 want=$4

	check_eq "write '$fmt' to $dev" "$(mirror_write "$ns" "$dev" "$fmt")" \
		"$want"
}

# wait_count WHAT WANT CMD...: wait for CMD to reach WANT, then check
# that it stays there
wait_count()
{
	local what=$1 want=$2; shift 2

	slowwait 30 until_counter_is ">= $want" "$@" > /dev/null
	sleep 0.2
	check_eq "$what" "$("$@")" "$want"
}

netns_quiet()
{
	local ns

	for ns in "$@"; do
		in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
}

mac_of()
{
	in_ns "$1" cat "/sys/class/net/$2/address"
}

# link_pair NS1 DEV1 IP1 NS2 DEV2 IP2: a veth pair with addresses and
# static neighbours, both ends up. MACs are set, not read back, and each
# netns is configured by one ip: a process costs a fifth of a second on
# a debug kernel under QEMU, and every case sets up two pairs.
link_pair()
{
	local ns1=$1 dev1=$2 ip1=$3 ns2=$4 dev2=$5 ip2=$6
	local mac1 mac2

	pairs=$((pairs + 1))
	mac1=$(printf '02:00:00:00:%02x:01' $pairs)
	mac2=${mac1%1}2
	ip -n "$ns1" link add "$dev1" address "$mac1" up type veth \
		peer name "$dev2" address "$mac2" netns "$ns2"
	if [ -z "$ip1" ]; then
		ip -n "$ns2" link set "$dev2" up
		return
	fi
	ip -n "$ns1" -batch - <<-EOF
		addr add $ip1/24 dev $dev1
		neigh replace $ip2 lladdr $mac2 dev $dev1 nud permanent
	EOF
	ip -n "$ns2" -batch - <<-EOF
		link set $dev2 up
		addr add $ip2/24 dev $dev2
		neigh replace $ip1 lladdr $mac1 dev $dev2 nud permanent
	EOF
}

setup()
{
	# Namespaces are no optional feature: failing to make them fails
	setup_ns A B C || exit $ksft_fail
	netns_quiet "$A" "$B" "$C"
	pairs=0
	link_pair "$A" s0 10.0.0.1 "$B" s1 10.0.0.2
	link_pair "$A" d0 "" "$C" d1 ""
}

# lib.sh's cleanup_ns kills what runs in each netns and polls for it to
# go: seconds a case on a debug kernel. ip netns del removes the name
# before it returns; what a failed case left running in the background
# is killed first, or a later case's bare wait would wait for it.
cleanup()
{
	kill $(jobs -p) 2> /dev/null
	[ ${#NS_LIST[@]} -eq 0 ] ||
		printf 'netns del %s\n' "${NS_LIST[@]}" | ip -force -batch - 2> /dev/null
	NS_LIST=()
	unset A B C
}

# all_answered: ping -q's summary on stdin says that every request was
# answered; ping's own status is 0 if any was
all_answered()
{
	grep -q ', 0% packet loss'
}

# ping_in NS ARGS...: ping -q ARGS from NS, every request answered
ping_in()
{
	local ns=$1

	shift
	in_ns "$ns" ping -q "$@" 2>&1 | all_answered
}

# ping_s0 [COUNT [ADDR [SIZE]]]: ping from $A over s0, all replies
# required; SIZE 1472 fills a 1500-byte MTU. Without DF, so that a
# tunnel fragments a full-size copy rather than refuse it.
ping_s0()
{
	ping_in "$A" -c "${1:-$NPINGS}" -i 0.01 -W 2 -M dont \
		-s "${3:-56}" "${2:-10.0.0.2}"
}

# kernel_log_count PATTERN: lines of the kernel log matching PATTERN
kernel_log_count()
{
	dmesg | grep -c -- "$1"
}

module_autoload()
{
	RET=0
	if [[ "$(modinfo -n mirror 2> /dev/null)" != *.ko* ]]; then
		log_test_skip "module: autoload, refused rmmod, clean unload" \
			"mirror is built in"
		return
	fi
	setup

	# Earlier runs may have loaded it; no entries, so it must unload
	[ -d /sys/module/mirror ] && rmmod mirror
	check_eq "module loaded before the first write" \
		"$([ -d /sys/module/mirror ] && echo yes)" "" &&
	check_write "$A" s0 'd0\n' "" &&
	check_eq "module loaded after the first write" \
		"$([ -d /sys/module/mirror ] && echo yes)" yes &&
	check_eq "rmmod while an entry exists" \
		"$(rmmod mirror 2>&1 > /dev/null | grep -c 'in use')" 1 &&
	check_write "$A" s0 '-d0\n' "" &&
	check_eq "rmmod once no entry exists" "$(rmmod mirror 2>&1)" "" &&
	check_eq "module gone" "$([ -d /sys/module/mirror ] && echo yes)" ""

	log_test "module: autoload, refused rmmod, clean unload"
	cleanup
}

rx_tx_copies()
{
	local tx0 rx0 ptx0 prx0 bytes0 pkts0 tp

	RET=0
	setup
	check_write "$A" s0 'd0\n' ""
	tx0=$(stat_get "$A" s0 tx_packets)
	rx0=$(stat_get "$A" s0 rx_packets)
	ptx0=$(stat_get "$A" s0 tx_bytes)
	prx0=$(stat_get "$A" s0 rx_bytes)
	pkts0=$(stat_get "$C" d1 rx_packets)
	bytes0=$(stat_get "$C" d1 rx_bytes)

	ping_s0 || check_eq "ping through the source" failed ok
	check_eq "s0 sent" $(($(stat_get "$A" s0 tx_packets) - tx0)) $NPINGS
	check_eq "s0 received" $(($(stat_get "$A" s0 rx_packets) - rx0)) $NPINGS
	wait_count "copies received from d0" $((pkts0 + 2 * NPINGS)) \
		stat_get "$C" d1 rx_packets
	check_eq "bytes of the copies" \
		$(($(stat_get "$C" d1 rx_bytes) - bytes0)) \
		$(($(stat_get "$A" s0 tx_bytes) - ptx0 + \
		   $(stat_get "$A" s0 rx_bytes) - prx0))
	# traced: the tracers on the same tracepoints saw s0's frames too
	if [ "${2:-}" = traced ]; then
		for tp in net_dev_start_xmit netif_receive_skb; do
			check_eq "s0's frames traced by $tp, at least $NPINGS" \
				"$(($(grep -c " $tp: dev=s0 " /sys/kernel/tracing/trace) \
				    >= NPINGS ? 1 : 0))" 1
		done
	fi

	log_test "${1:-receive and transmit copies arrive, exact counts and bytes}"
	cleanup
}

# Tracers may hold probes on the same tracepoints: copies are unchanged
other_probes()
{
	local ev=/sys/kernel/tracing/events/net tp

	if [ ! -d $ev ]; then
		log_test_skip "copies with tracers on the same tracepoints" \
			"no tracefs at /sys/kernel/tracing"
		return
	fi
	echo > /sys/kernel/tracing/trace
	for tp in netif_receive_skb net_dev_start_xmit; do
		echo 1 > $ev/$tp/enable
	done
	rx_tx_copies "copies with tracers on the same tracepoints" traced
	for tp in netif_receive_skb net_dev_start_xmit; do
		echo 0 > $ev/$tp/enable
	done
	echo > /sys/kernel/tracing/trace
}

# ifb_source QDISC...: ifb0 in $A at 10.0.9.1 with root qdisc QDISC,
# mirrored to d0 (deferred_tx_copies says why ifb)
ifb_source()
{
	ip -n "$A" link add ifb0 type ifb
	tc -n "$A" qdisc replace dev ifb0 root "$@"
	ip -n "$A" addr add 10.0.9.1/24 dev ifb0
	ip -n "$A" link set ifb0 up
	check_write "$A" ifb0 d0 ""
}

# ifb is not LLTX: without a qdisc its transmit runs under its TX lock,
# so copies wait for BH (with one, they go when the qdisc run returns:
# qdisc_tx_copies). It has no ARP and drops what it sends, so only echo
# requests leave.
# The per-CPU queue's NAPI, whose device is named "mirror", sent them:
# napi_poll traces its polls and the copies each sent.
deferred_tx_copies()
{
	local name="copies taken under the source's TX lock are sent after it"
	local ev=/sys/kernel/tracing/events/napi/napi_poll pkts

	RET=0
	if [ ! -d $ev ]; then
		log_test_skip "$name" "no napi_poll event in /sys/kernel/tracing"
		return
	fi
	setup
	ifb_source noqueue
	pkts=$(stat_get "$C" d1 rx_packets)
	echo > /sys/kernel/tracing/trace
	echo 1 > $ev/enable
	in_ns "$A" ping -q -c "$NPINGS" -i 0.01 -W 0.1 10.0.9.2 > /dev/null
	wait_count "copies of frames sent under the TX lock" \
		$((pkts + NPINGS)) stat_get "$C" d1 rx_packets
	echo 0 > $ev/enable
	check_eq "copies the queue's NAPI sent" "$(napi_sent)" $NPINGS
	echo > /sys/kernel/tracing/trace

	log_test "$name"
	cleanup
}

# napi_sent: the copies the per-CPU queue's NAPI sent, as traced
napi_sent()
{
	awk '/napi_poll: .* for device mirror work / {
		for (i = 1; i < NF; i++) if ($i == "work") n += $(i + 1)
	} END { print n + 0 }' /sys/kernel/tracing/trace
}

# A source with a qdisc, as a physical NIC has: the copies its qdisc run
# takes (under the qdisc's locks) go out when __dev_queue_xmit() is done
# with the qdisc, not through the per-CPU queue's NAPI
qdisc_tx_copies()
{
	local name="copies taken in a qdisc run are sent when it returns"
	local ev=/sys/kernel/tracing/events/napi/napi_poll pkts q

	RET=0
	if [ ! -d $ev ]; then
		log_test_skip "$name" "no napi_poll event in /sys/kernel/tracing"
		return
	fi
	setup
	check_write "$A" s0 d0 ""
	for q in pfifo_fast pfifo; do
		tc -n "$A" qdisc replace dev s0 root $q
		pkts=$(stat_get "$C" d1 rx_packets)
		echo > /sys/kernel/tracing/trace
		echo 1 > $ev/enable
		ping_s0 || check_eq "pings through $q" lost answered
		# the echo requests from the qdisc, the replies received
		wait_count "copies of s0 with $q" $((pkts + 2 * NPINGS)) \
			stat_get "$C" d1 rx_packets
		echo 0 > $ev/enable
		check_eq "copies the queue's NAPI sent ($q)" "$(napi_sent)" 0
	done
	echo > /sys/kernel/tracing/trace

	log_test "$name"
	cleanup
}

# A qdisc that holds frames back (htb) sends them later from
# net_tx_action(), under the TX lock of ifb0, which is not LLTX: their
# copies too go out when that qdisc run returns, not through the per-CPU
# queue's NAPI. The frames still queued when ping is done can only leave
# from there.
throttled_tx_copies()
{
	local name="copies of frames a throttled qdisc sends later skip the queue"
	local ev=/sys/kernel/tracing/events/napi/napi_poll pkts held

	RET=0
	if [ ! -d $ev ]; then
		log_test_skip "$name" "no napi_poll event in /sys/kernel/tracing"
		return
	fi
	setup
	ifb_source handle 1: htb default 1
	tc -n "$A" class add dev ifb0 parent 1: classid 1:1 \
		htb rate 20kbit burst 1600 cburst 1600 quantum 1514
	pkts=$(stat_get "$C" d1 rx_packets)
	echo > /sys/kernel/tracing/trace
	echo 1 > $ev/enable
	# 1042-byte frames every 10 ms, at 20 kbit/s: one each 0.42 s leaves;
	# a socket buffer for all (ping's own holds one frame, and the
	# others would fail while it waits in the qdisc)
	in_ns "$A" ping -q -c "$NPINGS" -i 0.01 -s 1000 -S 65536 -W 0.1 \
		10.0.9.2 > /dev/null
	held=$(qdisc_backlog "$A" ifb0)
	[ "${held:-0}" -gt 0 ] || check_eq "frames htb held after ping" 0 "some"
	wait_count "copies of the throttled frames" $((pkts + NPINGS)) \
		stat_get "$C" d1 rx_packets
	echo 0 > $ev/enable
	check_eq "copies the queue's NAPI sent" "$(napi_sent)" 0
	echo > /sys/kernel/tracing/trace

	log_test "$name"
	cleanup
}

# qdisc_backlog NS DEV: the frames DEV's root qdisc holds
qdisc_backlog()
{
	tc -n "$1" -s qdisc show dev "$2" |
		sed -n 's/.*backlog [0-9.]*[KM]*b \([0-9]*\)p.*/\1/p' | head -1
}

qdisc_backlog_is()
{
	[ "$(qdisc_backlog "$1" "$2")" = "$3" ]
}

# Qdisc runs longer than one flush holds (64 copies): plug holds N echo
# requests, then lets them go, 128 in a run of net_tx_action() (its
# quota, with dev_weight_tx_bias raised) and the rest in the next, which
# comes before the per-CPU queue's NAPI polls. The first run's copies
# past the 64th wait for the NAPI, and so do all of the second's, as
# copies wait there: none overtakes an earlier one.
flush_overflow_order()
{
	local name="copies past 64 in qdisc runs wait for BH, in order"
	local ev=/sys/kernel/tracing/events/napi/napi_poll n=200
	local weight bias dir pid tpid seqs rx

	RET=0
	weight=$(sysctl -n net.core.dev_weight 2> /dev/null)
	bias=$(sysctl -n net.core.dev_weight_tx_bias 2> /dev/null)
	if [ ! -d $ev ] || [ -z "$weight" ] || [ -z "$bias" ]; then
		log_test_skip "$name" "no napi_poll event or net.core.dev_weight"
		return
	fi
	setup
	if ! tc -n "$A" qdisc replace dev s0 root plug 2> /dev/null; then
		log_test_skip "$name" "no plug qdisc"
		cleanup
		return
	fi
	check_write "$A" s0 d0 ""
	dir=$(mktemp -d)
	in_ns "$C" timeout 60 tcpdump -i d1 -Q in -c $n -U -w "$dir/d1.pcap" \
		-n 'icmp[icmptype] == icmp-echo' 2> "$dir/log" &
	tpid=$!
	slowwait 30 grep -q listening "$dir/log"
	echo > /sys/kernel/tracing/trace
	echo 1 > $ev/enable
	rx=$(stat_get "$B" s1 rx_packets)
	# A socket buffer for all the requests plug holds. The replies all
	# come at once after the release, more than ping's receive buffer
	# holds: what s1 received is counted instead.
	in_ns "$A" ping -q -c $n -i 0.002 -S 262144 -W 10 10.0.0.2 \
		> /dev/null 2>&1 &
	pid=$!
	slowwait 30 qdisc_backlog_is "$A" s0 $n
	check_eq "requests plug holds" "$(qdisc_backlog "$A" s0)" $n
	sysctl -qw net.core.dev_weight_tx_bias=$(((128 + weight - 1) / weight))
	tc -n "$A" qdisc change dev s0 root plug release_indefinite
	wait $tpid
	wait $pid
	sysctl -qw net.core.dev_weight_tx_bias="$bias"
	echo 0 > $ev/enable
	check_eq "requests s1 received" \
		$(($(stat_get "$B" s1 rx_packets) - rx)) $n
	check_eq "copies the queue's NAPI sent" "$(napi_sent)" $((n - 64))
	echo > /sys/kernel/tracing/trace
	seqs=$(tcpdump -r "$dir/d1.pcap" -n 2> /dev/null |
		sed -n 's/.*, seq \([0-9]*\),.*/\1/p' | paste -s -d ' ')
	check_eq "the copies' sequence numbers" "$seqs" "$(seq -s ' ' 1 $n)"
	rm -rf "$dir"

	log_test "$name"
	cleanup
}

# pktgen_in NS FILE SETTING: one pktgen setting, which must take
pktgen_in()
{
	in_ns "$1" bash -c 'echo "$2" > "/proc/net/pktgen/$1" &&
		grep -q "^Result: OK" "/proc/net/pktgen/$1"' _ "$2" "$3" ||
		check_eq "pktgen: $2: $3" refused taken
}

# 2000 frames received in one burst with BH off (pktgen), each flooded by
# a bridge out of ifb0 without a qdisc, whose transmit copies wait for
# BH: the per-CPU queue takes 1000, the others are dropped and counted
deferred_overflow()
{
	local tx drop rx orig dropped d n=2000

	RET=0
	if [ ! -d /proc/net/pktgen ] && ! modprobe -q pktgen; then
		log_test_skip "over 1000 copies waiting for BH: each sent or counted" \
			"no pktgen"
		return
	fi
	setup
	ip -n "$A" link add ifb0 type ifb
	tc -n "$A" qdisc replace dev ifb0 root noqueue
	ip -n "$A" link add pg0 type dummy
	ip -n "$A" link add br0 type bridge
	for d in ifb0 pg0; do
		ip -n "$A" link set "$d" master br0
		ip -n "$A" link set "$d" up
	done
	ip -n "$A" link set br0 up
	check_write "$A" ifb0 d0 ""
	tx=$(stat_get "$A" d0 tx_packets) drop=$(stat_get "$A" d0 tx_dropped)
	# ifb counts what it is given to send in its rx counters
	rx=$(stat_get "$C" d1 rx_packets) orig=$(stat_get "$A" ifb0 rx_packets)
	pktgen_in "$A" kpktgend_0 rem_device_all
	pktgen_in "$A" kpktgend_0 "add_device pg0"
	pktgen_in "$A" pg0 "xmit_mode netif_receive"
	pktgen_in "$A" pg0 "count $n"
	pktgen_in "$A" pg0 "burst $n"
	pktgen_in "$A" pg0 "dst 10.0.9.2"
	pktgen_in "$A" pg0 "dst_mac 02:00:00:00:00:09"
	in_ns "$A" bash -c 'echo start > /proc/net/pktgen/pgctrl'
	check_eq "frames flooded out of ifb0" \
		$(($(stat_get "$A" ifb0 rx_packets) - orig)) "$n"
	copies_accounted "$tx" "$drop" "$rx" "$n"
	check_eq "copies the full queue dropped" "$dropped" 1000
	in_ns "$A" bash -c 'echo rem_device_all > /proc/net/pktgen/kpktgend_0'

	log_test "over 1000 copies waiting for BH: each sent or counted"
	cleanup
}

# capture NS DEV COUNT FILE: capture COUNT inbound frames in the
# background; returns once tcpdump is listening
capture()
{
	local ns=$1 dev=$2 count=$3 file=$4

	in_ns "$ns" timeout 60 tcpdump -i "$dev" -Q "${5:-inout}" -c "$count" \
		-U -w "$file" -n 2> "$file.log" &
	slowwait 30 grep -q listening "$file.log"
}

same_bytes()
{
	local dir

	RET=0
	setup
	dir=$(mktemp -d)
	check_write "$A" s0 d0 ""

	capture "$A" s0 $((2 * NPINGS)) "$dir/s0.pcap"
	capture "$C" d1 $((2 * NPINGS)) "$dir/d1.pcap" in
	ping_s0
	wait

	tcpdump -r "$dir/s0.pcap" -t -n -xx > "$dir/s0.txt" 2> /dev/null
	tcpdump -r "$dir/d1.pcap" -t -n -xx > "$dir/d1.txt" 2> /dev/null
	check_eq "frames captured on d1" "$(grep -c '^IP' "$dir/d1.txt")" \
		$((2 * NPINGS)) &&
	check_eq "d1's capture equals s0's" \
		"$(cmp -s "$dir/s0.txt" "$dir/d1.txt" && echo same)" same

	log_test "copies are byte for byte the frames captured on the source"
	rm -rf "$dir"
	cleanup
}

vlan_tag_kept()
{
	local dir p

	RET=0
	setup
	dir=$(mktemp -d)
	ip -n "$A" link add link s0 name s0.100 type vlan id 100
	ip -n "$B" link add link s1 name s1.100 type vlan id 100
	link_addr() { ip -n "$1" addr add "$3/24" dev "$2"; ip -n "$1" link set "$2" up; }
	link_addr "$A" s0.100 10.0.100.1
	link_addr "$B" s1.100 10.0.100.2
	ip -n "$A" neigh replace 10.0.100.2 lladdr "$(mac_of "$B" s1.100)" \
		dev s0.100 nud permanent
	ip -n "$B" neigh replace 10.0.100.1 lladdr "$(mac_of "$A" s0.100)" \
		dev s1.100 nud permanent
	check_write "$A" s0 d0 ""

	p=$(stat_get "$C" d1 rx_packets)
	capture "$C" d1 $((2 * NPINGS)) "$dir/d1.pcap" in
	ping_s0 "$NPINGS" 10.0.100.2 || check_eq "pings over the VLAN" failed ok
	wait
	wait_count "copies received on d1" $((p + 2 * NPINGS)) \
		stat_get "$C" d1 rx_packets
	# One tag, then IPv4: not a copy tagged twice
	check_eq "copies tagged once with VLAN 100" \
		"$(tcpdump -r "$dir/d1.pcap" -e -n 2> /dev/null |
		   grep -c 'length [0-9]*: vlan 100, p 0, ethertype IPv4')" \
		$((2 * NPINGS))

	log_test "VLAN-tagged traffic keeps its tag in the copy"
	rm -rf "$dir"
	cleanup
}

# neigh_pair NS1 DEV1 IP1 NS2 DEV2 IP2: addresses and permanent
# neighbours both ways, so that no ARP frame joins the copies
neigh_pair()
{
	ip -n "$1" addr add "$3/24" dev "$2"
	ip -n "$4" addr add "$6/24" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
	ip -n "$1" neigh replace "$6" lladdr "$(mac_of "$4" "$5")" dev "$2" \
		nud permanent
	ip -n "$4" neigh replace "$3" lladdr "$(mac_of "$1" "$2")" dev "$5" \
		nud permanent
}

# icmp_between PCAP SRC DST TYPE [VLAN]: frames of PCAP with an ICMP echo
# TYPE (request, reply) from SRC to DST, tagged with VLAN once, or untagged
icmp_between()
{
	tcpdump -r "$1" -n -e 2> /dev/null |
		awk -v m="$2 > $3: ICMP echo $4," \
		    -v t="${5:+: vlan $5, p 0, ethertype IPv4 (}" \
			'index($0, m) && gsub(/vlan /, "&") == (t != "") &&
			 index($0, t)' | wc -l
}

# mirror_taps NS: the devices with a receive tap of mirroring in NS
mirror_taps()
{
	in_ns "$1" cat /proc/net/ptype |
		awk '$3 ~ /^mirror_tap_rcv/ { print $2 }' | sort | xargs
}

# What an upper device receives comes up from its lower device's receive
upper_receive()
{
	local name="upper devices: a bond, a VLAN and a macvlan copy what they receive"
	local dir x

	RET=0
	setup
	dir=$(mktemp -d)
	link_pair "$A" e0 "" "$C" e1 ""
	link_pair "$A" b0 "" "$B" b1 ""
	# A bond mirrored before it has a port
	ip -n "$A" link add bond0 type bond mode active-backup
	ip -n "$A" link set bond0 mirror add e0
	ip -n "$A" link set b0 down
	ip -n "$A" link set b0 master bond0
	neigh_pair "$A" bond0 10.3.0.1 "$B" b1 10.3.0.2
	ip -n "$A" link add link s0 name s0.5 type vlan id 5
	ip -n "$B" link add link s1 name s1.5 type vlan id 5
	neigh_pair "$A" s0.5 10.5.0.1 "$B" s1.5 10.5.0.2
	ip -n "$A" link add link s0 name mv0 type macvlan mode bridge
	neigh_pair "$A" mv0 10.6.0.1 "$B" s1 10.6.0.2
	# The lower device to d0, the upper ones to e0: once for each
	ip -n "$A" link set s0 mirror add d0
	for x in s0.5 mv0; do
		ip -n "$A" link set "$x" mirror add e0
	done
	for x in "$C d1" "$C e1"; do
		set -- $x
		in_ns "$1" timeout 60 tcpdump -i "$2" -Q in -n -U -w "$dir/$2.pcap" \
			2> "$dir/$2.log" &
		slowwait 30 grep -q listening "$dir/$2.log"
	done
	for x in 10.3.0.2 10.5.0.2 10.6.0.2; do
		ping_s0 "$NPINGS" "$x" || check_eq "pings to $x" failed ok
	done
	# The VLAN's frames with their tag in the data, not beside it
	in_ns "$B" ethtool -K s1 txvlan off > /dev/null
	ping_s0 "$NPINGS" 10.5.0.2 || check_eq "pings, tag in the data" failed ok
	# Broadcasts reach the macvlan in a receive of its own, which the
	# probe copies and its tap must not copy again (A does not answer)
	in_ns "$B" ping -q -b -c "$NPINGS" -i 0.01 -W 1 10.6.0.255 \
		> /dev/null 2>&1
	wait_count "copies of the upper devices" $((9 * NPINGS)) \
		stat_get "$C" e1 rx_packets
	wait_count "copies of the lower device" $((7 * NPINGS)) \
		stat_get "$C" d1 rx_packets
	in_ns "$C" pkill -INT -x tcpdump
	wait

	# Each upper device's frames as tcpdump on it shows them: untagged
	for x in "bond0 10.3.0 1" "s0.5 10.5.0 2" "mv0 10.6.0 1"; do
		set -- $x
		check_eq "$1: copies of requests sent, replies received" \
			"$(icmp_between "$dir/e1.pcap" "$2.1" "$2.2" request) $(
			   icmp_between "$dir/e1.pcap" "$2.2" "$2.1" reply)" \
			"$(($3 * NPINGS)) $(($3 * NPINGS))"
	done
	check_eq "s0: VLAN 5 frames, tagged" \
		"$(icmp_between "$dir/d1.pcap" 10.5.0.1 10.5.0.2 request 5) $(
		   icmp_between "$dir/d1.pcap" 10.5.0.2 10.5.0.1 reply 5)" \
		"$((2 * NPINGS)) $((2 * NPINGS))"
	check_eq "s0: the macvlan's frames" \
		"$(icmp_between "$dir/d1.pcap" 10.6.0.1 10.6.0.2 request) $(
		   icmp_between "$dir/d1.pcap" 10.6.0.2 10.6.0.1 reply)" \
		"$NPINGS $NPINGS"
	check_eq "broadcasts, copied once by mv0 and once by s0" \
		"$(icmp_between "$dir/e1.pcap" 10.6.0.2 10.6.0.255 request) $(
		   icmp_between "$dir/d1.pcap" 10.6.0.2 10.6.0.255 request)" \
		"$NPINGS $NPINGS"

	# A tap on each upper device while it copies what it receives,
	# none on s0 nor any other device, and none left when that ends
	check_eq "receive taps" "$(mirror_taps "$A")" "bond0 mv0 s0.5"
	ip -n "$A" link set b0 nomaster
	ip -n "$A" link set s0.5 mirror change e0 direction tx
	ip -n "$A" link set mv0 mirror del e0
	check_eq "receive taps: bond without a port, VLAN sent only," \
		"$(mirror_taps "$A")" ""
	ip -n "$A" link set b0 master bond0
	ip -n "$A" link set s0.5 mirror change e0 direction both
	check_eq "receive taps: port back, VLAN both ways again" \
		"$(mirror_taps "$A")" "bond0 s0.5"
	log_test "$name"
	rm -rf "$dir"
	cleanup
}

# An 802.3ad bond, its partner a bond too: once LACP has them
# aggregated, the bond's receive copies are its frames, exact, not the
# LACPDUs, which its port consumes (tcpdump -i bond0 does not see them)
upper_receive_lacp()
{
	local name="upper devices: an 802.3ad bond copies what it receives"
	local x p r

	RET=0
	setup
	link_pair "$A" b0 "" "$B" b1 ""
	for x in "$A b0" "$B b1"; do
		set -- $x
		ip -n "$1" link add bond0 type bond mode 802.3ad lacp_rate fast
		ip -n "$1" link set "$2" down
		ip -n "$1" link set "$2" master bond0
	done
	neigh_pair "$A" bond0 10.3.0.1 "$B" bond0 10.3.0.2
	ip -n "$A" link set bond0 mirror add d0 direction rx
	slowwait 30 bash -c "ip netns exec $A cat /proc/net/bonding/bond0 |
		grep -q 'Partner Mac Address: [0-9a-f:]*[1-9a-f]'" ||
		check_eq "LACP partner of A's bond0" none found
	slowwait 30 in_ns "$A" ping -c 1 -W 1 10.3.0.2 > /dev/null ||
		check_eq "bond0 aggregated" no yes
	p=$(mirror_entry "$A" bond0 d0 stats.packets)
	r=$(stat_get "$A" b0 rx_packets)
	# 2 s: LACPDUs arrive among the replies (fast rate: one a second)
	ping_in "$A" -c "$NPINGS" -i 0.2 -W 2 10.3.0.2 ||
		check_eq "pings over bond0" failed ok
	check_eq "LACPDUs among the replies b0 received" \
		$(($(stat_get "$A" b0 rx_packets) - r > NPINGS ? 1 : 0)) 1
	check_eq "copies of bond0's received frames: the replies" \
		$(($(mirror_entry "$A" bond0 d0 stats.packets) - p)) "$NPINGS"
	check_eq "receive taps" "$(mirror_taps "$A")" "bond0"
	log_test "$name"
	cleanup
}

remove_stops_copies()
{
	local tx0

	RET=0
	setup
	check_write "$A" s0 d0 ""
	tx0=$(stat_get "$A" d0 tx_packets)
	ping_s0 2
	wait_count "copies before removal" $((tx0 + 4)) stat_get "$A" d0 tx_packets
	check_write "$A" s0 '-d0\n' ""
	check_eq "mirror_to after removal" "$(mirror_read "$A" s0)" ""
	tx0=$(stat_get "$A" d0 tx_packets)
	ping_s0
	sleep 0.2
	check_eq "copies after removal" \
		$(($(stat_get "$A" d0 tx_packets) - tx0)) 0

	log_test "removal stops copies"
	cleanup
}

several_destinations()
{
	local d e

	RET=0
	setup
	link_pair "$A" e0 "" "$C" e1 ""
	check_write "$A" s0 d0 ""
	check_write "$A" s0 '+e0\n' ""
	check_eq "mirror_to" "$(mirror_read "$A" s0)" "d0 e0"
	d=$(stat_get "$A" d0 tx_packets)
	e=$(stat_get "$A" e0 tx_packets)
	ping_s0
	wait_count "copies on d0" $((d + 2 * NPINGS)) stat_get "$A" d0 tx_packets
	wait_count "copies on e0" $((e + 2 * NPINGS)) stat_get "$A" e0 tx_packets

	log_test "several destinations each get every frame"
	cleanup
}

several_sources()
{
	local d

	RET=0
	setup
	link_pair "$A" t0 10.0.1.1 "$B" t1 10.0.1.2
	check_write "$A" s0 d0 ""
	check_write "$A" t0 d0 ""
	d=$(stat_get "$A" d0 tx_packets)
	ping_s0
	ping_s0 "$NPINGS" 10.0.1.2
	wait_count "copies on d0" $((d + 4 * NPINGS)) stat_get "$A" d0 tx_packets

	log_test "several sources share one destination"
	cleanup
}

# Copies to a multi-queue destination take the queues its own traffic
# would (by flow here, without XPS), not all its first one: 64 UDP flows
# leave s0. e0 has no qdisc, so each copy goes to its driver, which hands
# it to e1 with the queue it was sent on (tracepoint netif_rx_entry).
multiqueue_destination()
{
	local ev=/sys/kernel/tracing/events/net/netif_rx_entry queues

	RET=0
	if [ ! -d $ev ]; then
		log_test_skip "copies spread over a multi-queue destination's queues" \
			"no tracefs at /sys/kernel/tracing"
		return
	fi
	setup
	ip -n "$A" link add e0 numtxqueues 4 numrxqueues 4 up type veth \
		peer name e1 numtxqueues 4 numrxqueues 4 netns "$C"
	ip -n "$C" link set e1 up
	check_write "$A" s0 e0 ""
	echo 'name == "e1"' > $ev/filter
	echo > /sys/kernel/tracing/trace
	echo 1 > $ev/enable
	in_ns "$A" bash -c \
		'for p in {1000..1063}; do echo > /dev/udp/10.0.0.2/$p; done'
	echo 0 > $ev/enable
	echo 0 > $ev/filter
	queues=$(grep -o 'dev=e1 .*queue_mapping=[0-9]*' /sys/kernel/tracing/trace |
		sed 's/.*queue_mapping=//' | sort -u | wc -l)
	echo > /sys/kernel/tracing/trace
	check_eq "queues of e0 the copies of 64 flows took" "$queues" 4

	log_test "copies spread over a multi-queue destination's queues"
	cleanup
}

config_errors()
{
	local i

	RET=0
	setup
	ip -n "$A" link add dummy0 type dummy
	ip -n "$B" link add other0 type dummy
	ip -n "$A" link add link s0 name s0.5 type vlan id 5
	ip -n "$A" link add link s0.5 name s0.5.7 type vlan id 7
	ip -n "$A" link add mv0 link s0 type macvlan
	ip -n "$A" link add 0123456789abcde type dummy
	ip -n "$A" link add bond0 type bond
	ip -n "$A" link add p0 type dummy
	ip -n "$A" link set p0 master bond0
	ip -n "$A" link add br0 type bridge
	ip -n "$A" link add bp0 type dummy
	ip -n "$A" link set bp0 master br0
	ip -n "$A" tuntap add mode tun tun0
	check_write "$A" s0 d0 ""

	check_write "$A" s0 'nosuchdev' "No such device"
	check_write "$A" s0 'other0' "No such device"
	check_write "$A" s0 '-nosuchdev' "No such device"
	check_write "$A" s0 's0' "Invalid argument"
	check_write "$A" s0 '\n' "Invalid argument"
	check_write "$A" s0 ' \t\n' "Invalid argument"
	check_write "$A" s0 '+' "Invalid argument"
	check_write "$A" s0 '-\n' "Invalid argument"
	check_write "$A" s0 'd0 dummy0' "Invalid argument"
	check_write "$A" s0 'd0\n\n' "Invalid argument"
	check_write "$A" s0 ' d0' "Invalid argument"
	check_write "$A" s0 'd0\0dummy0' "Invalid argument"
	check_write "$A" s0 '0123456789abcdef' "Invalid argument"
	check_write "$A" s0 '0123456789abcde' ""
	check_eq "a 15-byte name" "$(mirror_read "$A" s0)" "d0 0123456789abcde"
	check_write "$A" s0 '-0123456789abcde' ""
	check_write "$A" s0 'a/b' "Invalid argument"
	check_write "$A" s0 '..' "Invalid argument"
	check_write "$A" s0 'd0' "File exists"
	check_write "$A" s0 '+d0\n' "File exists"
	check_write "$A" s0 '-dummy0' "No such file or directory"
	check_write "$A" s0 'lo' "Operation not supported"
	check_write "$A" s0 'tun0' "Operation not supported"
	check_write "$A" s0 's0.5' "Too many levels of symbolic links"
	check_write "$A" s0.5 's0' "Too many levels of symbolic links"
	check_write "$A" s0 's0.5.7' "Too many levels of symbolic links"
	check_write "$A" s0.5.7 's0' "Too many levels of symbolic links"
	check_write "$A" mv0 's0' "Too many levels of symbolic links"
	check_write "$A" s0 'mv0' "Too many levels of symbolic links"
	check_write "$A" bond0 'p0' "Too many levels of symbolic links"
	check_write "$A" p0 'bond0' "Too many levels of symbolic links"
	check_write "$A" br0 'bp0' "Too many levels of symbolic links"
	check_write "$A" bp0 'br0' "Too many levels of symbolic links"
	check_eq "CAP_NET_ADMIN dropped" "$(in_ns "$A" setpriv \
		--inh-caps=-net_admin --bounding-set=-net_admin \
		bash -c 'printf dummy0 > /sys/class/net/s0/mirror_to' 2>&1 |
		sed 's/.*write error: //')" "Operation not permitted"
	# The root of a user namespace has no CAP_NET_ADMIN over $A, which
	# the initial one owns; it has over a netns of its own
	check_eq "root of a user namespace" "$(in_ns "$A" unshare -Ur \
		bash -c 'printf dummy0 > /sys/class/net/s0/mirror_to' 2>&1 |
		sed 's/.*write error: //')" "Operation not permitted"
	check_eq "mirror_to after the errors" "$(mirror_read "$A" s0)" "d0"
	check_eq "in a netns that a user namespace owns" "$(unshare -Urnm \
		bash -c 'mount -t sysfs none /sys &&
			ip link add a0 type dummy && ip link add b0 type dummy &&
			printf b0 > /sys/class/net/a0/mirror_to &&
			cat /sys/class/net/a0/mirror_to' 2>&1)" "b0"

	for i in $(seq 1 8); do
		ip -n "$A" link add "m$i" type dummy
	done
	check_write "$A" dummy0 '-d0' "No such file or directory"
	for i in $(seq 1 8); do
		check_write "$A" dummy0 "m$i" ""
	done
	check_write "$A" dummy0 'd0' "No space left on device"
	check_eq "mirror_to with 8 destinations" "$(mirror_read "$A" dummy0)" \
		"m1 m2 m3 m4 m5 m6 m7 m8"

	log_test "every bad write fails with its errno and changes nothing"
	cleanup
}

# The attribute of a deleted device, reached through a file opened
# before: kernfs refuses the write itself. No write reaches the
# attribute's own check for a device being unregistered, which runs under
# RTNL, held from the start of the unregistration until the attribute is
# gone: that check is defensive, as in the other attributes of net-sysfs.
write_after_del()
{
	RET=0
	setup
	ip -n "$A" link add dummy0 type dummy
	check_eq "write to a deleted device's mirror_to" "$(in_ns "$A" bash -c '
		exec 5> /sys/class/net/dummy0/mirror_to
		ip link del dummy0
		printf d0 >&5' 2>&1 | sed 's/.*write error: //')" "No such device"
	log_test "a write through a file opened before ip link del: ENODEV"
	cleanup
}

# ping_d0: ping from $A over d0 (10.0.1.1 to 10.0.1.2 in $C), so that d0
# has frames of its own: the positive control of the loop cases
ping_d0()
{
	if [ -z "$(ip -n "$A" -4 addr show dev d0)" ]; then
		ip -n "$A" addr add 10.0.1.1/24 dev d0
		ip -n "$C" addr add 10.0.1.2/24 dev d1
		ip -n "$A" neigh replace 10.0.1.2 lladdr "$(mac_of "$C" d1)" \
			dev d0 nud permanent
		ip -n "$C" neigh replace 10.0.1.1 lladdr "$(mac_of "$A" d0)" \
			dev d1 nud permanent
	fi
	ping_in "$A" -c "$NPINGS" -i 0.01 -W 2 10.0.1.2
}

both_directions()
{
	local s d

	RET=0
	setup
	check_write "$A" s0 d0 ""
	check_write "$A" d0 s0 ""
	s=$(stat_get "$A" s0 tx_packets)
	d=$(stat_get "$A" d0 tx_packets)
	ping_s0
	wait_count "copies on d0" $((d + 2 * NPINGS)) stat_get "$A" d0 tx_packets
	check_eq "frames sent on s0" $(($(stat_get "$A" s0 tx_packets) - s)) \
		$NPINGS
	# The mirror the other way works: d0's own frames reach s0
	s=$(stat_get "$A" s0 tx_packets)
	ping_d0 || check_eq "ping over d0" failed ok
	wait_count "copies of d0's frames on s0" $((s + 2 * NPINGS)) \
		stat_get "$A" s0 tx_packets

	log_test "mirrors both ways between two devices do not cascade"
	cleanup
}

chain()
{
	local d e

	RET=0
	setup
	link_pair "$A" e0 "" "$C" e1 ""
	check_write "$A" s0 d0 ""
	check_write "$A" d0 e0 ""
	d=$(stat_get "$A" d0 tx_packets)
	e=$(stat_get "$A" e0 tx_packets)
	ping_s0
	wait_count "copies on d0" $((d + 2 * NPINGS)) stat_get "$A" d0 tx_packets
	check_eq "copies of copies on e0" \
		$(($(stat_get "$A" e0 tx_packets) - e)) 0
	# The second mirror works: d0's own frames reach e0
	ping_d0 || check_eq "ping over d0" failed ok
	wait_count "copies of d0's frames on e0" $((e + 2 * NPINGS)) \
		stat_get "$A" e0 tx_packets

	log_test "a chain s0 -> d0 -> e0 does not copy copies"
	cleanup
}

# A copy arriving over a veth pair in another netns, at a device that is
# mirrored there, is still a copy
copy_crosses_netns()
{
	local f

	RET=0
	setup
	link_pair "$C" f0 "" "$B" f1 ""
	check_write "$A" s0 d0 ""
	check_write "$C" d1 f0 ""
	f=$(stat_get "$C" f0 tx_packets)
	ping_s0
	wait_count "copies arriving at d1" $((2 * NPINGS)) stat_get "$C" d1 rx_packets
	check_eq "copies of them on f0" $(($(stat_get "$C" f0 tx_packets) - f)) 0
	# d1's own traffic is mirrored
	ping_d0 || check_eq "ping over d0" failed ok
	wait_count "copies of d1's own frames on f0" $((f + 2 * NPINGS)) \
		stat_get "$C" f0 tx_packets

	log_test "a copy crossing into another netns is not mirrored there"
	cleanup
}

# ipv6_underlay: IPv6 on s0 and s1 (fc00::1, fc00::2), without the
# frames that would make counts inexact: no link-local address, DAD,
# router solicitation or neighbour discovery; waits out the MLD reports
# of the solicited-node groups
ipv6_underlay()
{
	ipv6_on() {
		ip -n "$1" link set "$2" addrgenmode none
		in_ns "$1" sysctl -qw "net.ipv6.conf.$2.accept_ra=0" \
			"net.ipv6.conf.$2.disable_ipv6=0"
		ip -n "$1" addr add "$3/64" dev "$2" nodad
	}
	ipv6_on "$A" s0 fc00::1
	ipv6_on "$B" s1 fc00::2
	ip -n "$A" neigh replace fc00::2 lladdr "$(mac_of "$B" s1)" dev s0 \
		nud permanent
	ip -n "$B" neigh replace fc00::1 lladdr "$(mac_of "$A" s0)" dev s1 \
		nud permanent
	sleep 3
}

# tunnel_case WHAT KIND OPTS PEER_OPTS SIZE FRAMES: mirror s0 into a KIND
# tunnel routed out of s0 itself, ping with SIZE bytes of payload; $B
# decapsulates and counts. Each copy crosses s0 once, encapsulated, as
# FRAMES frames (IP fragments when it does not fit the MTU), and neither
# the copy nor its fragments are mirrored again.
tunnel_case()
{
	local what=$1 kind=$2 opts=$3 peer=$4 size=$5 frames=$6 s g loops

	RET=0
	setup
	[[ $opts != *fc00::* ]] || ipv6_underlay
	ip -n "$A" link add t0 type "$kind" $opts
	ip -n "$B" link add t1 type "$kind" $peer
	ip -n "$A" link set t0 up
	ip -n "$B" link set t1 up
	# The collector counts, and must not answer what it decapsulates
	tc -n "$B" qdisc add dev t1 clsact
	tc -n "$B" filter add dev t1 ingress pref 1 matchall action drop
	check_write "$A" s0 t0 ""
	loops=$(kernel_log_count 'Dead loop')
	s=$(stat_get "$A" s0 tx_packets)
	g=$(stat_get "$B" t1 rx_packets)
	ping_s0 "$NPINGS" 10.0.0.2 "$size" ||
		check_eq "ping through the source" failed ok
	wait_count "copies decapsulated in the collector" \
		$((g + 2 * NPINGS)) stat_get "$B" t1 rx_packets
	check_eq "frames sent on s0" $(($(stat_get "$A" s0 tx_packets) - s)) \
		$((NPINGS + 2 * NPINGS * frames))
	check_eq "'Dead loop' lines in the kernel log" \
		$(($(kernel_log_count 'Dead loop') - loops)) 0

	log_test "mirror into $what routed out of the source: no storm"
	cleanup
}

tunnel_over_source()
{
	local v4="local 10.0.0.1 remote 10.0.0.2" v4p="local 10.0.0.2 remote 10.0.0.1"
	local v6="local fc00::1 remote fc00::2" v6p="local fc00::2 remote fc00::1"
	local vx="id 42 dstport 4789" er="seq key 10 erspan_ver 1 erspan 123"

	tunnel_case "a gretap" gretap "$v4" "$v4p" 56 1
	tunnel_case "an erspan" erspan "$v4 $er" "$v4p $er" 56 1
	tunnel_case "an ip6gretap" ip6gretap "$v6" "$v6p" 56 1
	tunnel_case "a vxlan over IPv6" vxlan "$vx $v6" "$vx $v6p" 56 1
	# Full-size frames: the encapsulated copy is IP fragmented. IPv6
	# tunnels refuse such a copy instead (ip6_tnl_xmit(), and
	# ip6_fragment() without ignore_df).
	tunnel_case "a vxlan, full-MTU frames fragmented," vxlan "$vx $v4" \
		"$vx $v4p" 1472 2
	tunnel_case "a gretap nopmtudisc, full-MTU frames fragmented," gretap \
		"$v4 nopmtudisc" "$v4p nopmtudisc" 1472 2
}

# tc_egress_pkts NS DEV: packets the egress matchall filter on DEV passed
tc_egress_pkts()
{
	tc -n "$1" -s filter show dev "$2" egress |
		sed -n 's/.*Sent [0-9]* bytes \([0-9]*\) pkt.*/\1/p' | head -n 1
}

# tc_ingress_pkts NS DEV PREF: packets DEV's ingress filter PREF matched
tc_ingress_pkts()
{
	tc -n "$1" -s -j filter show dev "$2" ingress pref "$3" |
		jq '[.[].options.actions[]?.stats.packets] | add // 0'
}

# nft_counter_pkts NS TABLE CHAIN: packets the chain's counter saw
nft_counter_pkts()
{
	in_ns "$1" nft list chain netdev "$2" "$3" |
		sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'
}

# A copy meets the destination's egress hooks as its own frames do
egress_hooks()
{
	RET=0
	setup
	tc -n "$A" qdisc add dev d0 clsact
	tc -n "$A" filter add dev d0 egress pref 1 matchall action pass
	in_ns "$A" nft -f - <<-EOF
		table netdev mirror {
			chain out {
				type filter hook egress device d0 priority 0;
				counter
			}
		}
	EOF
	check_write "$A" s0 d0 ""
	ping_s0
	wait_count "copies sent on d0" $((2 * NPINGS)) stat_get "$A" d0 tx_packets
	check_eq "copies seen by tc egress on d0" "$(tc_egress_pkts "$A" d0)" \
		$((2 * NPINGS))
	check_eq "copies seen by nft egress on d0" \
		"$(nft_counter_pkts "$A" mirror out)" $((2 * NPINGS))

	log_test "copies meet the destination's tc and nft egress hooks"
	cleanup
}

# A copy the destination's driver drops is counted once, by the driver:
# veth drops frames longer than its peer's MTU
dropped_copy_counted_once()
{
	local drop

	RET=0
	setup
	# An egress hook: copies go through dev_queue_xmit()
	tc -n "$A" qdisc add dev d0 clsact
	tc -n "$A" filter add dev d0 egress pref 1 matchall action pass
	ip -n "$C" link set d1 mtu 500
	check_write "$A" s0 d0 ""
	drop=$(stat_get "$A" d0 tx_dropped)
	ping_s0 "$NPINGS" 10.0.0.2 1000 ||
		check_eq "ping through the source" failed ok
	sleep 0.2
	check_eq "copies seen by tc egress on d0" "$(tc_egress_pkts "$A" d0)" \
		$((2 * NPINGS))
	check_eq "copies counted in d0's tx_dropped" \
		$(($(stat_get "$A" d0 tx_dropped) - drop)) $((2 * NPINGS))

	log_test "a copy the destination's driver drops is counted once"
	cleanup
}

destination_down()
{
	local drop

	RET=0
	setup
	check_write "$A" s0 d0 ""
	ip -n "$A" link set d0 down
	drop=$(stat_get "$A" d0 tx_dropped)
	ping_s0 || check_eq "pings through the source" failed ok
	check_eq "copies counted in d0's tx_dropped" \
		$(($(stat_get "$A" d0 tx_dropped) - drop)) $((2 * NPINGS))

	log_test "destination down: copies dropped and counted, source unaffected"
	cleanup
}

# copies_accounted TX0 DROP0 RX0 DUE: each of the DUE copies since d0's
# tx_packets was TX0 and tx_dropped DROP0 was sent or dropped, and d1
# (rx_packets RX0 then) received those sent; sets $dropped
copies_accounted()
{
	local tx

	sleep 0.2
	tx=$(($(stat_get "$A" d0 tx_packets) - $1))
	dropped=$(($(stat_get "$A" d0 tx_dropped) - $2))
	check_eq "d0's copies sent + dropped" $((tx + dropped)) "$4"
	check_eq "copies received on d1" \
		$(($(stat_get "$C" d1 rx_packets) - $3)) "$tx"
}

destination_no_carrier()
{
	local tx drop rx dropped

	RET=0
	setup
	check_write "$A" s0 d0 ""
	ip -n "$C" link set d1 down
	slowwait 30 bash -c "[ \"\$(ip netns exec $A cat /sys/class/net/d0/carrier)\" = 0 ]"
	tx=$(stat_get "$A" d0 tx_packets) drop=$(stat_get "$A" d0 tx_dropped)
	rx=$(stat_get "$C" d1 rx_packets)
	ping_s0 || check_eq "pings through the source" failed ok
	copies_accounted "$tx" "$drop" "$rx" $((2 * NPINGS))
	check_eq "copies dropped" "$dropped" $((2 * NPINGS))

	log_test "destination without carrier: copies dropped and counted"
	cleanup
}

# qdisc_dropped NS DEV: what DEV's root qdisc dropped, its children's
# drops included
qdisc_dropped()
{
	tc -n "$1" -s qdisc show dev "$2" |
		sed -n 's/.*(dropped \([0-9]*\),.*/\1/p' | head -n 1
}

# slow_qdisc NS DEV LEAF...: DEV sends at 100 kbit/s through the qdisc
# LEAF (say "pfifo limit 1"): most copies of 100 1042-byte frames in a
# second are dropped
slow_qdisc()
{
	local ns=$1 dev=$2

	shift 2
	tc -n "$ns" qdisc add dev "$dev" root handle 1: htb default 1
	tc -n "$ns" class add dev "$dev" parent 1: classid 1:1 htb \
		rate 100kbit burst 1600 cburst 1600
	tc -n "$ns" qdisc add dev "$dev" parent 1:1 "$@"
}

# qdisc_drained NS DEV: wait until DEV's qdisc sent all it holds
qdisc_drained()
{
	slowwait 30 bash -c "! tc -n $1 -s qdisc show dev $2 | grep -q 'backlog [1-9]'"
}

# A copy the full queue drops counts there, as the destination's own
# frames do, not in its tx_dropped
slow_destination()
{
	local tx drop rx n=100

	RET=0
	setup
	slow_qdisc "$A" d0 pfifo limit 1
	check_write "$A" s0 d0 ""
	tx=$(stat_get "$A" d0 tx_packets) drop=$(stat_get "$A" d0 tx_dropped)
	rx=$(stat_get "$C" d1 rx_packets)
	ping_s0 "$n" 10.0.0.2 1000 ||
		check_eq "pings through the source" failed ok
	qdisc_drained "$A" d0
	tx=$(($(stat_get "$A" d0 tx_packets) - tx))
	check_eq "d0's copies sent + dropped by its qdisc" \
		$((tx + $(qdisc_dropped "$A" d0))) $((2 * n))
	check_eq "copies received on d1" \
		$(($(stat_get "$C" d1 rx_packets) - rx)) "$tx"
	check_eq "d0's tx_dropped" $(($(stat_get "$A" d0 tx_dropped) - drop)) 0
	[ "$(qdisc_dropped "$A" d0)" -gt 0 ] ||
		check_eq "copies the full queue dropped" 0 "some"

	log_test "destination slower than its copies: each sent or counted dropped"
	cleanup
}

# failslab fails the first 5 non-sleeping sk_buff allocations of a
# running ping: those of its transmit copies (the ping allocates its own
# sleeping; the replies and their copies are made in softirq)
alloc_failures()
{
	local fs=/sys/kernel/debug/failslab tx drop rx dropped left pid out n=5
	local slab=/sys/kernel/slab/skbuff_head_cache/failslab

	RET=0
	if [ ! -d "$fs" ] || [ ! -e "$slab" ]; then
		log_test_skip "allocation failures: copies counted dropped, originals sent" \
			"the kernel has no failslab"
		return
	fi
	setup
	check_write "$A" s0 d0 ""
	ping_s0 1
	echo 0 > "$fs/space"; echo 1 > "$fs/interval"; echo 0 > "$fs/verbose"
	echo Y > "$fs/task-filter"; echo Y > "$fs/ignore-gfp-wait"
	echo Y > "$fs/cache-filter"; echo 1 > "$slab"; echo "$n" > "$fs/times"
	echo 100 > "$fs/probability"
	tx=$(stat_get "$A" d0 tx_packets) drop=$(stat_get "$A" d0 tx_dropped)
	rx=$(stat_get "$C" d1 rx_packets)
	out=$(mktemp)
	# ip netns exec execs ping: $! is the ping
	ip netns exec "$A" ping -q -c "$NPINGS" -i 0.2 -W 2 10.0.0.2 > "$out" &
	pid=$!
	sleep 0.5
	echo 1 > "/proc/$pid/make-it-fail"
	wait "$pid"
	all_answered < "$out" || check_eq "pings through the source" failed ok
	rm -f "$out"
	echo 0 > "$fs/probability"; echo 0 > "$slab"
	left=$(cat "$fs/times")
	copies_accounted "$tx" "$drop" "$rx" $((2 * NPINGS))
	check_eq "copies dropped" "$dropped" $((n - left))
	check_eq "failures injected" $((n - left)) "$n"

	log_test "allocation failures: copies counted dropped, originals sent"
	cleanup
}

# ip link del must not wait for a reference that mirroring holds.
# Timed by the shell: a fork to read the clock can take most of a
# second on a slow debug VM.
timed_del()
{
	local ns=$1 dev=$2 t0 ms

	t0=${EPOCHREALTIME/[.,]/}
	ip -n "$ns" link del "$dev"
	ms=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
	# A reference left behind holds it for good ("waiting for ... to
	# become free"); 5 s allow for grace periods on a slow debug VM
	check_eq "ip link del $dev returned within 5 s" \
		"$((ms < 5000 ? 1 : ms))" 1
}

source_unregister()
{
	RET=0
	setup
	check_write "$A" s0 d0 ""
	timed_del "$A" s0
	# d0 keeps working as an ordinary device, and can be deleted too
	timed_del "$A" d0
	log_test "source unregistered: entries dropped, ip link del at once"
	cleanup
}

destination_unregister()
{
	RET=0
	setup
	link_pair "$A" e0 "" "$C" e1 ""
	check_write "$A" s0 d0 ""
	check_write "$A" s0 e0 ""
	check_write "$A" e0 d0 ""
	timed_del "$A" d0
	check_eq "s0's mirror_to" "$(mirror_read "$A" s0)" "e0"
	check_eq "e0's mirror_to" "$(mirror_read "$A" e0)" ""
	ping_s0 2 || check_eq "ping through the source" failed ok

	log_test "destination unregistered: entries naming it dropped at once"
	cleanup
}

netns_move()
{
	RET=0
	setup
	check_write "$A" s0 d0 ""
	ip -n "$A" link add dummy0 type dummy
	check_write "$A" dummy0 s0 ""
	ip -n "$A" link set d0 netns "$B"
	check_eq "s0's mirror_to after d0 left" "$(mirror_read "$A" s0)" ""
	ip -n "$A" link set dummy0 netns "$B"
	ip -n "$B" link set dummy0 netns "$A"
	check_eq "dummy0's mirror_to after a round trip" \
		"$(mirror_read "$A" dummy0)" ""
	check_write "$B" d0 s1 ""
	timed_del "$B" d0

	log_test "netns moves drop the entries of and naming the device"
	cleanup
}

rename()
{
	local d

	RET=0
	setup
	check_write "$A" s0 d0 ""
	ip -n "$A" link set d0 down
	ip -n "$A" link set d0 name mirror-dst
	ip -n "$A" link set mirror-dst up
	check_eq "mirror_to after rename" "$(mirror_read "$A" s0)" "mirror-dst"
	d=$(stat_get "$A" mirror-dst tx_packets)
	ping_s0
	wait_count "copies after rename" $((d + 2 * NPINGS)) \
		stat_get "$A" mirror-dst tx_packets

	log_test "rename keeps the entry and shows the new name"
	cleanup
}

# A bond takes the link-layer type of its first port: entries whose
# ends no longer share a type go, as a write would have been refused
type_change()
{
	RET=0
	setup
	ip -n "$A" link add b0 type bond mode active-backup
	ip -n "$A" link add g0 type gre local 10.0.0.1 remote 10.0.0.9
	check_write "$A" b0 d0 ""
	check_write "$A" d0 b0 ""
	ip -n "$A" link set g0 master b0
	check_eq "b0's link-layer type once g0 is its port" \
		"$(in_ns "$A" cat /sys/class/net/b0/type)" 778 &&
	check_eq "b0's destinations" "$(mirror_read "$A" b0)" "" &&
	check_eq "d0's destinations" "$(mirror_read "$A" d0)" ""

	log_test "a bond's type change drops the entries it can no longer carry"
	cleanup
}

# The netlink interface (IFLA_MIRROR) through ip, from the iproute2
# series, and ynl (tools/net/ynl) for what ip does not send
YNL_LIB=$(realpath -q "$(dirname "$0")/../../../net/ynl")
RT_LINK_SPEC=$(realpath -q "$(dirname "$0")/../../../../Documentation/netlink/specs/rt_link.yaml")

# nl_check NAME: whether ip configures mirrors; else NAME is skipped
nl_check()
{
	if ! ip link help 2>&1 | grep -q 'mirror {'; then
		log_test_skip "$1" "ip lacks \"ip link set DEV mirror\""
		return 1
	fi
	if ! command -v jq > /dev/null; then
		log_test_skip "$1" "jq not found"
		return 1
	fi
}

# ynl_check NAME: whether ynl and rt_link.yaml are here; else NAME is skipped
ynl_check()
{
	nl_check "$1" || return 1
	if [ ! -f "$YNL_LIB/lib/ynl.py" ] || [ ! -f "$RT_LINK_SPEC" ] ||
	   ! python3 -c 'import yaml' 2> /dev/null; then
		log_test_skip "$1" "no ynl, rt_link.yaml or python3-yaml"
		return 1
	fi
}

# mirror_entry NS DEV DEST FIELD: a field of DEV's entry for DEST in
# ip -j output ("direction", "snaplen", "sample", "stats.packets", ...)
mirror_entry()
{
	ip -n "$1" -s -d -j link show dev "$2" |
		jq -r --arg d "$3" \
			".[0].mirror_to[]? | select(.ifname == \$d) | .$4"
}

# mirror_names NS DEV: the destinations of DEV as ip -j shows them
mirror_names()
{
	ip -n "$1" -d -j link show dev "$2" |
		jq -r '[.[0].mirror_to[]?.ifname] | join(" ")'
}

ifindex_of()
{
	in_ns "$1" cat "/sys/class/net/$2/ifindex"
}

# ynl_requests NS IFINDEX: RTM_NEWLINK requests for device IFINDEX
# through ynl, each an IFLA_MIRROR as a JSON object on stdin; prints "0",
# or "ERRNO EXTACK-MESSAGE", for each
ynl_requests()
{
	in_ns "$1" python3 -c '
import json, sys
sys.path.insert(0, sys.argv[1])
from lib import YnlFamily, NlError
ynl = YnlFamily(sys.argv[2], "")
text, at = sys.stdin.read(), 0
while text[at:].strip():
    mirror, at = json.JSONDecoder().raw_decode(text, len(text) - len(text[at:].lstrip()))
    try:
        ynl.do("newlink", {"ifi-index": int(sys.argv[3]), "mirror": mirror})
        print(0)
    except NlError as e:
        print(-e.nl_msg.error, (e.nl_msg.extack or {}).get("msg", ""))
' "$YNL_LIB" "$RT_LINK_SPEC" "$2"
}

# ynl_entry_stats NS IFINDEX: the counters of device IFINDEX's first
# mirror entry as ynl decodes them, "name=value" sorted by name
ynl_entry_stats()
{
	in_ns "$1" python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
from lib import YnlFamily
ynl = YnlFamily(sys.argv[2], "")
link = ynl.do("getlink", {"ifi-index": int(sys.argv[3])})
stats = link["mirror"]["entry"][0]["stats"]
print(" ".join(f"{k}={v}" for k, v in sorted(stats.items())))
' "$YNL_LIB" "$RT_LINK_SPEC" "$2"
}

# ip_error NS ARGS...: run ip -n NS ARGS, print its error message
ip_error()
{
	local ns=$1; shift

	ip -n "$ns" "$@" 2>&1 > /dev/null
}

nl_module_autoload()
{
	local name="netlink: a request loads the module"

	RET=0
	if [[ "$(modinfo -n mirror 2> /dev/null)" != *.ko* ]]; then
		log_test_skip "$name" "mirror is built in"
		return
	fi
	nl_check "$name" || return
	setup
	[ -d /sys/module/mirror ] && rmmod mirror
	check_eq "module loaded before the request" \
		"$([ -d /sys/module/mirror ] && echo yes)" "" &&
	# rtnetlink checks the policy before it loads the module
	check_eq "ip link set s0 mirror add d0 sample 0" \
		"$(ip_error "$A" link set s0 mirror add d0 sample 0)" \
		"Error: integer out of range." &&
	check_eq "module loaded by a malformed request" \
		"$([ -d /sys/module/mirror ] && echo yes)" "" &&
	check_eq "ip link set s0 mirror add d0" \
		"$(ip_error "$A" link set s0 mirror add d0)" "" &&
	check_eq "module loaded by the request" \
		"$([ -d /sys/module/mirror ] && echo yes)" yes &&
	check_eq "s0's destinations" "$(mirror_names "$A" s0)" d0 &&
	ip -n "$A" link set s0 mirror del d0 &&
	check_eq "rmmod once no entry exists" "$(rmmod mirror 2>&1)" ""

	log_test "$name"
	cleanup
}

# count_icmp FILE TYPE: frames of a capture that are ICMP TYPE
count_icmp()
{
	tcpdump -r "$1" -n "icmp[icmptype] == $2" 2> /dev/null | wc -l
}

nl_directions()
{
	local name="netlink: direction rx, tx, both copy exactly those frames"
	local dir p

	RET=0
	nl_check "$name" || return
	setup
	dir=$(mktemp -d)
	ip -n "$A" link set s0 mirror add d0 direction rx
	check_eq "direction" "$(mirror_entry "$A" s0 d0 direction)" rx
	capture "$C" d1 "$NPINGS" "$dir/rx.pcap" in
	p=$(stat_get "$C" d1 rx_packets)
	ping_s0
	wait
	wait_count "copies with direction rx" $((p + NPINGS)) \
		stat_get "$C" d1 rx_packets
	check_eq "echo replies among the rx copies" \
		"$(count_icmp "$dir/rx.pcap" icmp-echoreply)" "$NPINGS"

	ip -n "$A" link set s0 mirror change d0 direction tx
	capture "$C" d1 "$NPINGS" "$dir/tx.pcap" in
	ping_s0
	wait
	wait_count "copies with direction tx" $((p + 2 * NPINGS)) \
		stat_get "$C" d1 rx_packets
	check_eq "echo requests among the tx copies" \
		"$(count_icmp "$dir/tx.pcap" icmp-echo)" "$NPINGS"

	ip -n "$A" link set s0 mirror change d0 direction both
	ping_s0
	wait_count "copies with direction both" $((p + 4 * NPINGS)) \
		stat_get "$C" d1 rx_packets
	check_eq "the entry's packets" \
		"$(mirror_entry "$A" s0 d0 stats.packets)" $((4 * NPINGS))

	log_test "$name"
	rm -rf "$dir"
	cleanup
}

# tcp_sink NS ADDR PORT [FILE]: accept one TCP connection and read it to
# the end; the bytes read go to FILE
tcp_sink()
{
	in_ns "$1" python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen()
s.settimeout(30)
c, _ = s.accept()
c.settimeout(30)
n = 0
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    n += len(b)
open(sys.argv[3], "w").write("%d\n" % n)
' "$2" "$3" "${4:-/dev/null}" &
	slowwait 30 bash -c "ip netns exec $1 ss -ltn | grep -q ':$3 '"
}

# tcp_segments PCAP MSS: what a capture of PCAP shows of each frame on
# the wire, one line per segment: the start of its data, or its flags
tcp_segments()
{
	tcpdump -r "$1" -n -S 2> /dev/null | awk -v mss="$2" '
		match($0, / seq [0-9]+:[0-9]+/) {
			split(substr($0, RSTART + 5, RLENGTH - 5), r, ":")
			if (r[2] + 0 < r[1] + 0)
				r[2] += 4294967296
			for (s = r[1]; s < r[2]; s += mss)
				printf "%.0f\n", s % 4294967296
			next
		}
		match($0, /Flags \[[^]]*\]/) { print substr($0, RSTART, RLENGTH) }'
}

nl_snaplen()
{
	local name="netlink: snaplen cuts copies, a GSO copy segment by segment"
	local dir p tx lens x

	RET=0
	nl_check "$name" || return
	setup
	dir=$(mktemp -d)
	ip -n "$A" link set s0 mirror add d0 snaplen 128
	check_eq "snaplen" "$(mirror_entry "$A" s0 d0 snaplen)" 128
	p=$(stat_get "$C" d1 rx_packets)
	capture "$C" d1 $((2 * NPINGS)) "$dir/d1.pcap" in
	ping_s0 "$NPINGS" 10.0.0.2 1000 ||
		check_eq "pings through the source" failed ok
	wait
	wait_count "copies received on d1" $((p + 2 * NPINGS)) \
		stat_get "$C" d1 rx_packets
	# COUNTxLENGTH for each length captured
	lens=$(tcpdump -r "$dir/d1.pcap" -n -e 2> /dev/null |
		sed -n 's/.*, length \([0-9]*\): .*/\1/p' | sort | uniq -c |
		awk '{ print $1 "x" $2 }')
	check_eq "lengths of copies of 1042-byte frames" "$lens" \
		"$((2 * NPINGS))x128"
	check_eq "copies counted cut" \
		"$(mirror_entry "$A" s0 d0 stats.truncated)" $((2 * NPINGS))

	# TCP over veth leaves s0 as GSO packets: a copy per segment, each
	# cut, as a capture of a segmenting s0 would show them (no TCP
	# timestamps: every segment carries 1460 bytes)
	ip -n "$A" link set s0 mirror change d0 direction tx
	in_ns "$A" sysctl -qw net.ipv4.tcp_timestamps=0
	# headers are all the captures need: a ring of whole 64 KB packets
	# fills under a slow tcpdump and loses s0's reference frames
	for x in "$A s0 out" "$C d1 in"; do
		set -- $x
		in_ns "$1" timeout 60 tcpdump -i "$2" -Q "$3" -n -e -U -s 128 \
			-B 16384 -w "$dir/$2.pcap" tcp port 5000 \
			2> "$dir/$2.log" &
		slowwait 30 grep -q listening "$dir/$2.log"
	done
	tcp_sink "$B" 10.0.0.2 5000 "$dir/got"
	in_ns "$A" bash -c 'dd if=/dev/zero bs=64k count=32 2> /dev/null \
		> /dev/tcp/10.0.0.2/5000'
	slowwait 30 test -s "$dir/got"
	sleep 1
	in_ns "$A" pkill -INT -x tcpdump
	in_ns "$C" pkill -INT -x tcpdump
	wait
	check_eq "bytes the sink read" "$(cat "$dir/got")" $((64 * 1024 * 32))
	tx=$(tcpdump -r "$dir/s0.pcap" -n 2> /dev/null | wc -l)
	check_eq "GSO packets among the $tx s0 sent for 2 MB" \
		"$((tx < 2 * 1024 * 1024 / 1460 ? 1 : 0))" 1
	# every segment s0 sent is copied once and nothing else is; on a
	# failure, name where copies could have been lost
	tcp_segments "$dir/s0.pcap" 1460 | sort > "$dir/s0.seg"
	tcp_segments "$dir/d1.pcap" 1460 | sort > "$dir/d1.seg"
	x="of $(wc -l < "$dir/s0.seg"), d0 tx_dropped"
	x="$x $(stat_get "$A" d0 tx_dropped), mirror dropped"
	x="$x $(mirror_entry "$A" s0 d0 stats.dropped),"
	x="$x $(grep -h 'dropped by kernel' "$dir"/*.log | xargs)"
	check_eq "copies: s0's segments missing, extra ($x)" \
		"$(comm -23 "$dir/s0.seg" "$dir/d1.seg" | wc -l), $(comm -13 \
		   "$dir/s0.seg" "$dir/d1.seg" | wc -l)" "0, 0"
	lens=$(tcpdump -r "$dir/d1.pcap" -n -e 2> /dev/null |
		sed -n 's/.*, length \([0-9]*\): .*/\1/p')
	check_eq "frames behind d0 longer than 128 bytes" \
		"$(awk '$1 > 128' <<< "$lens" | wc -l)" 0
	check_eq "segments counted cut, one each" \
		"$(mirror_entry "$A" s0 d0 stats.truncated)" \
		$((2 * NPINGS + $(grep -cx 128 <<< "$lens")))

	# A snaplen above the destination's MTU: a GSO copy is cut to the
	# MTU, a frame the destination can send (veth drops a longer one)
	ip -n "$A" link set s0 mtu 9000
	ip -n "$B" link set s1 mtu 9000
	ip -n "$A" link set s0 mirror change d0 snaplen 9000
	in_ns "$C" timeout 60 tcpdump -i d1 -Q in -n -e -U -w "$dir/mtu.pcap" \
		2> "$dir/mtu.log" &
	slowwait 30 grep -q listening "$dir/mtu.log"
	tcp_sink "$B" 10.0.0.2 5001
	in_ns "$A" bash -c 'dd if=/dev/zero bs=64k count=32 2> /dev/null \
		> /dev/tcp/10.0.0.2/5001'
	sleep 1
	in_ns "$C" pkill -INT -x tcpdump
	wait
	check_eq "GSO copies cut to d0's MTU that arrived (1514 bytes) > 0" \
		"$(tcpdump -r "$dir/mtu.pcap" -n -e 2> /dev/null |
		   grep -c ', length 1514: ' | sed 's/^[1-9][0-9]*$/yes/')" yes

	log_test "$name"
	rm -rf "$dir"
	cleanup
}

nl_sample()
{
	local name="netlink: sample 10 copies one frame in 10, within 20% over 4000"
	local p n

	RET=0
	nl_check "$name" || return
	setup
	ip -n "$A" link set s0 mirror add d0 direction tx sample 10
	check_eq "sample" "$(mirror_entry "$A" s0 d0 sample)" 10
	p=$(stat_get "$C" d1 rx_packets)
	ping_in "$A" -f -c 4000 -W 2 10.0.0.2 ||
		check_eq "ping flood through the source" failed ok
	sleep 0.5
	n=$(($(stat_get "$C" d1 rx_packets) - p))
	# 400 expected, standard deviation 11.5 (port-mirroring.rst)
	check_eq "copies of 4000 frames ($n) within 320..480" \
		"$((n >= 320 && n <= 480 ? 1 : 0))" 1
	check_eq "the entry's packets" \
		"$(mirror_entry "$A" s0 d0 stats.packets)" "$n"
	check_eq "the entry's packets and skipped: every frame s0 sent" \
		$((n + $(mirror_entry "$A" s0 d0 stats.skipped))) 4000

	# A lower rate applies at once, whatever countdown a CPU had left
	ip -n "$A" link set s0 mirror change d0 sample 100000
	ping_s0 4
	ip -n "$A" link set s0 mirror change d0 sample 2
	p=$(stat_get "$C" d1 rx_packets)
	ping_in "$A" -f -c 1000 -W 2 10.0.0.2 ||
		check_eq "ping flood through the source" failed ok
	sleep 0.5
	n=$(($(stat_get "$C" d1 rx_packets) - p))
	# 500 expected, standard deviation 13
	check_eq "copies of 1000 frames after sample 100000 -> 2 ($n) within 400..600" \
		"$((n >= 400 && n <= 600 ? 1 : 0))" 1
	check_eq "packets and skipped, after the change: all 5004 frames" \
		$(($(mirror_entry "$A" s0 d0 stats.packets) +
		   $(mirror_entry "$A" s0 d0 stats.skipped))) 5004

	log_test "$name"
	cleanup
}

# Two entries sampling at their own rates, one of them both ways: a
# frame both skip is skipped by each, one that either picks leaves the
# other's countdown as it would be alone
nl_sample_two()
{
	local name="netlink: two sampled entries each pick and count every frame"
	local pd pe nd ne

	RET=0
	nl_check "$name" || return
	setup
	ip -n "$A" link add e0 up type dummy
	ip -n "$A" link set s0 mirror add d0 direction tx sample 2
	ip -n "$A" link set s0 mirror add e0 direction both sample 3
	pd=$(stat_get "$A" d0 tx_packets)
	pe=$(stat_get "$A" e0 tx_packets)
	ping_in "$A" -f -c 1000 -W 2 10.0.0.2 ||
		check_eq "ping flood through the source" failed ok
	nd=$(($(stat_get "$A" d0 tx_packets) - pd))
	ne=$(($(stat_get "$A" e0 tx_packets) - pe))
	# 500 and 667 expected, standard deviations about 9 and 12
	check_eq "d0's copies of 1000 frames sent ($nd) within 400..600" \
		"$((nd >= 400 && nd <= 600 ? 1 : 0))" 1
	check_eq "e0's copies of 2000 frames ($ne) within 567..767" \
		"$((ne >= 567 && ne <= 767 ? 1 : 0))" 1
	check_eq "d0's packets" "$(mirror_entry "$A" s0 d0 stats.packets)" "$nd"
	check_eq "e0's packets" "$(mirror_entry "$A" s0 e0 stats.packets)" "$ne"
	check_eq "d0's packets and skipped: every frame s0 sent" \
		$((nd + $(mirror_entry "$A" s0 d0 stats.skipped))) 1000
	check_eq "e0's packets and skipped: every frame s0 sent and received" \
		$((ne + $(mirror_entry "$A" s0 e0 stats.skipped))) 2000

	log_test "$name"
	cleanup
}

nl_change_under_traffic()
{
	local name="netlink: options changed under traffic lose and double no copy"
	local p pid out changes=0

	RET=0
	nl_check "$name" || return
	setup
	ip -n "$A" link set s0 mirror add d0
	p=$(stat_get "$C" d1 rx_packets)
	out=$(mktemp)
	# About 6 s: a change takes an ip process, a fifth of a second on a
	# debug kernel under emulation
	in_ns "$A" ping -q -c 3000 -i 0.002 -W 2 10.0.0.2 > "$out" &
	pid=$!
	while kill -0 "$pid" 2> /dev/null; do
		ip -n "$A" link set s0 mirror change d0 \
			snaplen $((changes % 2 ? 1500 : 0)) sample 1 direction both
		changes=$((changes + 1))
	done
	wait "$pid"
	all_answered < "$out" || check_eq "pings through the source" failed ok
	rm -f "$out"
	check_eq "changes made under traffic ($changes) at least 10" \
		"$((changes >= 10 ? 1 : 0))" 1
	wait_count "copies" $((p + 6000)) stat_get "$C" d1 rx_packets
	check_eq "the entry's packets" \
		"$(mirror_entry "$A" s0 d0 stats.packets)" 6000

	log_test "$name"
	cleanup
}

nl_counters()
{
	local name="netlink: entry counters equal the copies received; a down destination counted"
	local p b

	RET=0
	nl_check "$name" || return
	setup
	ip -n "$A" link set s0 mirror add d0
	p=$(stat_get "$C" d1 rx_packets)
	b=$(stat_get "$C" d1 rx_bytes)
	ping_s0
	wait_count "copies" $((p + 2 * NPINGS)) stat_get "$C" d1 rx_packets
	check_eq "the entry's packets" \
		"$(mirror_entry "$A" s0 d0 stats.packets)" $((2 * NPINGS))
	check_eq "the entry's bytes" "$(mirror_entry "$A" s0 d0 stats.bytes)" \
		$(($(stat_get "$C" d1 rx_bytes) - b))
	check_eq "the entry's drops" \
		"$(mirror_entry "$A" s0 d0 stats.dropped)" 0
	ip -n "$A" link set d0 down
	ping_s0
	check_eq "the entry's down, d0 down" \
		"$(mirror_entry "$A" s0 d0 stats.down)" $((2 * NPINGS))
	check_eq "the entry's drops, d0 down: none, it was down" \
		"$(mirror_entry "$A" s0 d0 stats.dropped)" 0
	check_eq "the entry's packets, d0 down" \
		"$(mirror_entry "$A" s0 d0 stats.packets)" $((2 * NPINGS))
	check_eq "counters left out without -s" "$(ip -n "$A" -d -j link \
		show dev s0 | jq -r '.[0].mirror_to[0].stats')" null

	log_test "$name"
	cleanup
}

# nl_drops_case WHAT DROPPED TX_DROPPED: ping through s0, then check
# that the entry's counters grew by 0 sent and DROPPED dropped, and d0's
# tx_dropped by TX_DROPPED
nl_drops_case()
{
	local what=$1 p0 d0 t0

	p0=$(mirror_entry "$A" s0 d0 stats.packets)
	d0=$(mirror_entry "$A" s0 d0 stats.dropped)
	t0=$(stat_get "$A" d0 tx_dropped)
	ping_s0 || check_eq "$what: pings through the source" failed ok
	check_eq "$what: the entry's packets" \
		$(($(mirror_entry "$A" s0 d0 stats.packets) - p0)) 0
	check_eq "$what: the entry's drops" \
		$(($(mirror_entry "$A" s0 d0 stats.dropped) - d0)) "$2"
	check_eq "$what: d0's tx_dropped" \
		$(($(stat_get "$A" d0 tx_dropped) - t0)) "$3"
}

# Each outcome of a copy in the destination's transmit path counts once
# in the entry, and where the same outcome of a frame of d0's own counts
nl_drop_counters()
{
	local name="netlink: a dropped copy counts in the entry and where d0's own would"
	local rx n=100

	RET=0
	nl_check "$name" || return
	setup
	ip -n "$A" link set s0 mirror add d0
	tc -n "$A" qdisc add dev d0 clsact
	tc -n "$A" filter add dev d0 egress pref 1 matchall action drop
	nl_drops_case "tc drop, no qdisc" $((2 * NPINGS)) 0
	check_eq "copies tc dropped" "$(tc_egress_pkts "$A" d0)" $((2 * NPINGS))
	tc -n "$A" qdisc add dev d0 root pfifo
	nl_drops_case "tc drop, pfifo" $((2 * NPINGS)) 0
	tc -n "$A" qdisc del dev d0 clsact
	tc -n "$A" qdisc del dev d0 root

	# veth drops what is longer than its peer's MTU, after the qdisc
	# took it: sent for the entry, the driver's drop in tx_dropped
	tc -n "$A" qdisc add dev d0 root pfifo
	ip -n "$C" link set d1 mtu 500
	ping_s0 "$NPINGS" 10.0.0.2 1000 ||
		check_eq "pings through the source" failed ok
	qdisc_drained "$A" d0
	check_eq "copies the driver dropped, the entry's packets" \
		"$(mirror_entry "$A" s0 d0 stats.packets)" $((2 * NPINGS))
	check_eq "copies the driver dropped, d0's tx_dropped" \
		"$(stat_get "$A" d0 tx_dropped)" $((2 * NPINGS))
	tc -n "$A" qdisc del dev d0 root
	ip -n "$C" link set d1 mtu 1500

	# sfq's congestion drop (NET_XMIT_CN) is a drop; one flow of
	# copies, so that what sfq drops is this entry's
	ip -n "$A" link set s0 mirror change d0 direction tx
	slow_qdisc "$A" d0 sfq limit 2
	rx=$(stat_get "$C" d1 rx_packets)
	ping_s0 "$n" 10.0.0.2 1000 ||
		check_eq "pings through the source" failed ok
	qdisc_drained "$A" d0
	check_eq "sfq full: the entry's packets" \
		$(($(mirror_entry "$A" s0 d0 stats.packets) - 2 * NPINGS)) \
		$(($(stat_get "$C" d1 rx_packets) - rx))
	check_eq "sfq full: the entry's drops" \
		$(($(mirror_entry "$A" s0 d0 stats.dropped) - 4 * NPINGS)) \
		"$(qdisc_dropped "$A" d0)"
	[ "$(qdisc_dropped "$A" d0)" -gt 0 ] ||
		check_eq "copies sfq dropped" 0 "some"
	check_eq "sfq full: d0's tx_dropped" \
		"$(stat_get "$A" d0 tx_dropped)" $((2 * NPINGS))

	# A destination down: counted as such, not dropped
	ip -n "$A" link set s0 mirror change d0 direction both
	ip -n "$A" link set d0 down
	nl_drops_case "d0 down" 0 $((2 * NPINGS))
	check_eq "d0 down: the entry's down" \
		"$(mirror_entry "$A" s0 d0 stats.down)" $((2 * NPINGS))

	log_test "$name"
	cleanup
}

# A process that reads copies from a tap destination and sends them back
# out of the source makes new frames, which are copied again: such a loop
# is the user's own, as a bridge loop is (port-mirroring.rst). One ping,
# and a relay that stops after ROUNDS frames.
nl_relay_loop()
{
	local name="netlink: frames a relay sends back out of the source are copied again"
	local dir rounds=20

	RET=0
	nl_check "$name" || return
	setup
	dir=$(mktemp -d)
	ip -n "$A" tuntap add dev tap0 mode tap
	ip -n "$A" link set tap0 up
	ip -n "$A" link set s0 mirror add tap0 direction tx
	# Bounded: a relay whose frames stop coming back must not hang
	in_ns "$A" timeout 60 python3 -c '
import fcntl, os, socket, struct, sys
tap = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(tap, 0x400454ca, struct.pack("16sH", b"tap0", 0x1002))  # TUNSETIFF, IFF_TAP | IFF_NO_PI
out = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
out.bind(("s0", 0))
open(sys.argv[1] + "/ready", "w").close()
for n in range(int(sys.argv[2])):
    out.send(os.read(tap, 65536))
open(sys.argv[1] + "/sent", "w").write("%d\n" % (n + 1))
' "$dir" "$rounds" &
	# The tap has carrier once the relay holds it
	slowwait 30 test -e "$dir/ready" ||
		check_eq "the relay started" no yes
	ping_in "$A" -c 1 -W 2 10.0.0.2 ||
		check_eq "ping through the source" failed ok
	slowwait 60 test -s "$dir/sent"
	check_eq "frames the relay sent out of s0" \
		"$(cat "$dir/sent" 2> /dev/null)" "$rounds"
	# The ping's copy, then one of each frame the relay sent
	check_eq "the entry's packets" \
		"$(mirror_entry "$A" s0 tap0 stats.packets)" $((rounds + 1))

	log_test "$name"
	wait
	rm -rf "$dir"
	cleanup
}

# prio_class_packets NS DEV CLASS: packets sent through CLASS of DEV's
# qdisc (tc -j prints no JSON for classes before iproute2 6.3)
prio_class_packets()
{
	tc -n "$1" -s class show dev "$2" | awk -v c="$3" '
		$1 == "class" { this = ($3 == c) }
		this && $1 == "Sent" { print $4; exit }'
}

# A prio qdisc on d0 sorts the copies by their priority: by default the
# frames' (ping -Q 0x10: 6, band 0, for the requests; 0, band 1, for the
# replies), else the entry's
nl_priority()
{
	local name="netlink: copies carry the frame's priority, or the entry's"
	local c

	RET=0
	nl_check "$name" || return
	setup
	tc -n "$A" qdisc add dev d0 root handle 1: prio
	ip -n "$A" link set s0 mirror add d0
	ping_in "$A" -c "$NPINGS" -i 0.01 -W 2 -Q 0x10 10.0.0.2 ||
		check_eq "pings through the source" failed ok
	check_eq "no priority set: copies in 1:1, 1:2 and 1:3" \
		"$(for c in 1:1 1:2 1:3; do prio_class_packets "$A" d0 $c; done |
		   paste -sd/)" "$NPINGS/$NPINGS/0"
	check_eq "no priority shown" "$(mirror_entry "$A" s0 d0 priority)" null

	ip -n "$A" link set s0 mirror change d0 priority 1:3
	check_eq "ip shows the priority" "$(ip -n "$A" -d link show dev s0 |
		grep -o ' priority [^ ]*')" " priority 1:3"
	check_eq "ip -j shows it" "$(mirror_entry "$A" s0 d0 priority)" 65539
	ping_in "$A" -c "$NPINGS" -i 0.01 -W 2 -Q 0x10 10.0.0.2 ||
		check_eq "pings through the source" failed ok
	check_eq "priority 1:3: copies in 1:3" \
		"$(prio_class_packets "$A" d0 1:3)" $((2 * NPINGS))
	check_eq "priority 1:3: copies in 1:1 and 1:2" \
		"$(prio_class_packets "$A" d0 1:1)/$(prio_class_packets "$A" d0 1:2)" \
		"$NPINGS/$NPINGS"

	log_test "$name"
	cleanup
}

# pktgen_setup NAME: for a netlink case that pktgen feeds, setup and pg0,
# a dummy device in $A; NAME skipped without netlink or pktgen
pktgen_setup()
{
	nl_check "$1" || return 1
	if [ ! -d /proc/net/pktgen ] && ! modprobe -q pktgen; then
		log_test_skip "$1" "no pktgen"
		return 1
	fi
	setup
	ip -n "$A" link add pg0 type dummy
	ip -n "$A" link set pg0 up
}

# bottleneck_run: production, 750 frames that pktgen sends out of d0
# through its qdisc at 250 a second (to 10.0.9.3), a frame the qdisc
# drops sent again, as a socket would; and 3000 frames that pg0 receives
# at 1000 a second (to 10.0.9.2), from pktgen's thread 0. BN is then
# "USEC DROPS PRODUCTION COPIES": the microseconds production took, the
# qdisc's drops of its frames, and once d0's queue drained, the frames
# d1 received of each
bottleneck_run()
{
	local p0 c0 dev

	p0=$(tc_ingress_pkts "$C" d1 1)
	c0=$(tc_ingress_pkts "$C" d1 2)
	pktgen_in "$A" kpktgend_0 rem_device_all
	pktgen_in "$A" kpktgend_0 "add_device d0"
	pktgen_in "$A" kpktgend_0 "add_device pg0"
	pktgen_in "$A" d0 "xmit_mode queue_xmit"
	pktgen_in "$A" d0 "count 750"
	pktgen_in "$A" d0 "ratep 250"
	pktgen_in "$A" d0 "dst 10.0.9.3"
	pktgen_in "$A" pg0 "xmit_mode netif_receive"
	pktgen_in "$A" pg0 "count 3000"
	pktgen_in "$A" pg0 "ratep 1000"
	pktgen_in "$A" pg0 "dst 10.0.9.2"
	for dev in d0 pg0; do
		pktgen_in "$A" $dev "pkt_size 1000"
	done
	in_ns "$A" bash -c 'echo start > /proc/net/pktgen/pgctrl'
	BN=$(in_ns "$A" awk '/^Result: OK:/ { sub(/\(.*/, "", $3); u = $3 }
		/errors:/ { e = $NF } END { print u, e }' /proc/net/pktgen/d0)
	pktgen_in "$A" kpktgend_0 rem_device_all
	slowwait 30 bash -c "tc -n $A -s qdisc show dev d0 |
		grep -q 'backlog 0b 0p'"
	BN="$BN $(($(tc_ingress_pkts "$C" d1 1) - p0))"
	BN="$BN $(($(tc_ingress_pkts "$C" d1 2) - c0))"
}

# Production and copies share d0, behind a 4 Mbit/s bottleneck (htb,
# as tbf would be) with a prio qdisc under it, whose bands hold 100
# frames: production offers half of it, the copies twice. With the
# copies in production's band, the qdisc drops production's frames too
# and its rate falls; with priority 10:3, it drops none of them and
# production's rate is what it is without the mirror, the copies taking
# what is left, each counted sent or dropped.
nl_priority_bottleneck()
{
	local name="netlink: priority keeps production's rate through a bottleneck"
	local base same prio p0 dr0 copies

	RET=0
	pktgen_setup "$name" || return
	ip -n "$A" link set d0 txqueuelen 100
	tc -n "$A" qdisc add dev d0 root handle 1: htb default 1
	tc -n "$A" class add dev d0 parent 1: classid 1:1 htb rate 4mbit
	tc -n "$A" qdisc add dev d0 parent 1:1 handle 10: prio
	tc -n "$C" qdisc add dev d1 clsact
	tc -n "$C" filter add dev d1 ingress pref 1 protocol ip \
		flower dst_ip 10.0.9.3 action pass
	tc -n "$C" filter add dev d1 ingress pref 2 protocol ip \
		flower dst_ip 10.0.9.2 action pass

	bottleneck_run
	base=($BN)
	ip -n "$A" link set pg0 mirror add d0
	bottleneck_run
	same=($BN)
	ip -n "$A" link set pg0 mirror change d0 priority 10:3
	p0=$(mirror_entry "$A" pg0 d0 stats.packets)
	dr0=$(mirror_entry "$A" pg0 d0 stats.dropped)
	bottleneck_run
	prio=($BN)
	echo "    production's frames a second, its drops (copies received):" \
		"alone $((750000000 / base)), ${base[1]} (${base[3]});" \
		"copies in its band $((750000000 / same)), ${same[1]}" \
		"(${same[3]}); copies at priority 10:3 $((750000000 / prio))," \
		"${prio[1]} (${prio[3]})"

	check_eq "production's frames received, each run" \
		"${base[2]} ${same[2]} ${prio[2]}" "750 750 750"
	check_eq "production alone: no drop, no copy" "${base[1]} ${base[3]}" "0 0"
	check_eq "copies in production's band: production's frames dropped" \
		"$((same[1] > 0 ? 1 : 0))" 1
	check_eq "copies in production's band: its rate falls below 90%" \
		"$((same * 90 > base * 100 ? 1 : 0))" 1
	check_eq "copies at priority 10:3: none of production's dropped" \
		"${prio[1]}" 0
	check_eq "copies at priority 10:3: production's rate within 5%" \
		"$((prio * 95 <= base * 100 ? 1 : 0))" 1
	copies=${prio[3]}
	check_eq "copies at priority 10:3: some through, not all" \
		"$((copies > 0 && copies < 3000 ? 1 : 0))" 1
	check_eq "copies at priority 10:3: the entry's packets, what d1 got" \
		$(($(mirror_entry "$A" pg0 d0 stats.packets) - p0)) "$copies"
	check_eq "copies at priority 10:3: sent and dropped, all 3000" \
		$(($(mirror_entry "$A" pg0 d0 stats.packets) - p0 +
		   $(mirror_entry "$A" pg0 d0 stats.dropped) - dr0)) 3000

	log_test "$name"
	cleanup
}

# pktgen_rx_run NS DEV COUNT RATEP: COUNT frames received by DEV from
# each pktgen thread (netif_receive), RATEP a second; PKTGEN_USEC is then
# the longest run, in microseconds, that pktgen measured, and PKTGEN_MS
# the milliseconds from its start to its end by the wall. Paced: a run
# that takes no time on pktgen's clock (jiffies, in the test VMs)
# divides by zero in its report.
pktgen_rx_run()
{
	local ns=$1 dev=$2 count=$3 t u t0

	PKTGEN_USEC=0
	for t in $PKTGEN_THREADS; do
		pktgen_in "$ns" "kpktgend_$t" rem_device_all
		pktgen_in "$ns" "kpktgend_$t" "add_device $dev@$t"
		pktgen_in "$ns" "$dev@$t" "xmit_mode netif_receive"
		pktgen_in "$ns" "$dev@$t" "count $count"
		pktgen_in "$ns" "$dev@$t" "ratep $4"
		pktgen_in "$ns" "$dev@$t" "dst 10.0.9.2"
		pktgen_in "$ns" "$dev@$t" "dst_mac 02:00:00:00:00:09"
	done
	t0=$EPOCHREALTIME
	in_ns "$ns" bash -c 'echo start > /proc/net/pktgen/pgctrl'
	PKTGEN_MS=$(((${EPOCHREALTIME/./} - ${t0/./}) / 1000))
	for t in $PKTGEN_THREADS; do
		u=$(in_ns "$ns" sed -n 's/^Result: OK: \([0-9]*\)(.*/\1/p' \
			"/proc/net/pktgen/$dev@$t")
		[ "${u:-0}" -gt "$PKTGEN_USEC" ] && PKTGEN_USEC=$u
		in_ns "$ns" bash -c "echo rem_device_all > /proc/net/pktgen/kpktgend_$t"
	done
}

# rate_case WHAT COPIES OVER: the entry pg0 -> d0 counted COPIES more
# copies and OVER more frames over its rate (COPIES may be "MIN-MAX")
rate_case()
{
	local what=$1 p over

	p=$(($(mirror_entry "$A" pg0 d0 stats.packets) - p0))
	over=$(($(mirror_entry "$A" pg0 d0 stats.overlimits) - over0))
	echo "    $what: $p copies, $over over the rate"
	if [[ $2 == *-* ]]; then
		check_eq "$what: copies, ${2%-*} to ${2#*-}" \
			$((p >= ${2%-*} && p <= ${2#*-} ? 1 : 0)) 1
	else
		check_eq "$what: copies" "$p" "$2"
	fi
	check_eq "$what: frames copied or over the rate" $((p + over)) "$3"
	p0=$((p0 + p)) over0=$((over0 + over))
}

# A burst goes back to back, then no copy before the rate allows it: at
# most one a second more; a new rate starts with a full burst. Then from
# every CPU pktgen has a
# thread on, ten frames for each copy the rate allows for 5 s: no more
# copies than the burst and the rate over the wall time, at least 90% of
# the rate over pktgen's own.
nl_rate()
{
	local name="netlink: rate holds copies to R a second from all CPUs, counts the rest"
	local rate=100 burst=10 secs=5 each d1 p0=0 over0=0 n

	RET=0
	pktgen_setup "$name" || return
	d1=$(stat_get "$C" d1 rx_packets)

	PKTGEN_THREADS=0
	ip -n "$A" link set pg0 mirror add d0 rate 1 burst 5
	pktgen_rx_run "$A" pg0 500 1000
	rate_case "rate 1 burst 5, 500 frames in 0.5 s" \
		5-$((5 + (PKTGEN_USEC + 999999) / 1000000)) 500
	# pktgen's pacing on a jiffies clock sends frames in clumps: a burst
	# of 5 at this rate would still drop some
	ip -n "$A" link set pg0 mirror change d0 rate 1000000 burst 0
	pktgen_rx_run "$A" pg0 500 1000
	rate_case "then rate 1000000, 500 frames in 0.5 s" 500 500

	PKTGEN_THREADS=$(ls /proc/net/pktgen | sed -n 's/^kpktgend_//p')
	n=$(wc -w <<< "$PKTGEN_THREADS")
	each=$((10 * rate * secs / n))
	ip -n "$A" link set pg0 mirror change d0 rate $rate burst $burst
	check_eq "ip shows the rate" "$(ip -n "$A" -d link show dev pg0 |
		grep -o ' rate [^ ]* burst [^ ]*')" " rate ${rate}pps burst $burst"
	pktgen_rx_run "$A" pg0 "$each" $((each / secs))
	echo "    $((n * each)) frames from $n pktgen threads:" \
		"$((PKTGEN_USEC / 1000)) ms by pktgen, $PKTGEN_MS ms by the wall"
	rate_case "rate $rate burst $burst" \
		$((rate * PKTGEN_USEC * 9 / 10000000))-$((burst + rate * PKTGEN_MS / 1000)) \
		$((n * each))
	check_eq "the entry's drops" "$(mirror_entry "$A" pg0 d0 stats.dropped)" 0
	wait_count "copies received from d0" $((d1 + p0)) stat_get "$C" d1 rx_packets

	log_test "$name"
	cleanup
}

# session_frames PCAP: one line per tunnelled ICMP copy the collector
# captured: "KIND COLLECTOR ID DIR TRUNCATED LENGTH HEX", KIND one of
# gretap, erspan1, erspan2 (DIR 0 received, 1 sent), vxlan, COLLECTOR the
# outer destination address; "vlan KIND COLLECTOR LENGTH" for a copy of a
# VLAN-tagged ICMP frame; "fragment" for each outer IP fragment
session_frames()
{
	python3 - "$1" << 'PY'
import socket, struct, sys

data = open(sys.argv[1], 'rb').read()
off = 24
while off + 16 <= len(data):
    incl = struct.unpack_from('<I', data, off + 8)[0]
    pkt = data[off + 16:off + 16 + incl]
    off += 16 + incl
    etype = struct.unpack_from('>H', pkt, 12)[0]
    if etype == 0x0800:
        ihl = (pkt[14] & 0xf) * 4
        proto, frag = pkt[23], struct.unpack_from('>H', pkt, 20)[0] & 0x3fff
        l4 = pkt[14 + ihl:]
        dst = socket.inet_ntop(socket.AF_INET, pkt[30:34])
    elif etype == 0x86dd:
        proto, l4 = pkt[20], pkt[54:]
        frag = proto == 44
        dst = socket.inet_ntop(socket.AF_INET6, pkt[38:54])
    else:
        continue
    if frag:
        print('fragment')
        continue
    sess, dirn, trunc = 0, '-', '-'
    if proto == 47:
        flags, gproto = struct.unpack_from('>HH', l4)
        hlen = 4 + 4 * bool(flags & 0x8000)
        if flags & 0x2000:
            sess = struct.unpack_from('>I', l4, hlen)[0]
            hlen += 4
        hlen += 4 * bool(flags & 0x1000)
        l4 = l4[hlen:]
        if gproto == 0x6558:
            kind, inner = 'gretap', l4
        elif gproto in (0x88be, 0x22eb):
            word = struct.unpack_from('>H', l4, 2)[0]
            sess, trunc = word & 0x3ff, (word >> 10) & 1
            if gproto == 0x88be:
                kind, inner = 'erspan1', l4[8:]
            else:
                dirn = (struct.unpack_from('>H', l4, 10)[0] >> 3) & 1
                kind, inner = 'erspan2', l4[12:]
        else:
            continue
    elif proto == 17 and struct.unpack_from('>H', l4, 2)[0] == 4789:
        sess = struct.unpack_from('>I', l4, 12)[0] >> 8
        kind, inner = 'vxlan', l4[16:]
    else:
        continue
    if inner[12:14] == b'\x81\x00' and inner[16:18] == b'\x08\x00':
        if inner[27] == 1:
            print('vlan', kind, dst, len(inner))
        continue
    if struct.unpack_from('>H', inner, 12)[0] != 0x0800 or inner[23] != 1:
        continue
    print(kind, dst, sess, dirn, trunc, len(inner), inner.hex())
PY
}

# icmp_frames PCAP: the hex of each ICMP frame of an Ethernet capture
icmp_frames()
{
	tcpdump -r "$1" -xx icmp 2> /dev/null | awk '
		/^[0-9]/ { if (f != "") print f; f = ""; next }
		{ for (i = 2; i <= NF; i++) f = f $i }
		END { if (f != "") print f }'
}

nl_session()
{
	local name="netlink: sessions carry copies to a collector's address, cut to fit"
	local cut dev dir dst id kind ref vlan want x

	RET=0
	nl_check "$name" || return
	setup
	dir=$(mktemp -d)
	# Two sources, s0 and t0, to two collectors, .2 and .3 of the
	# collector's link, over IPv4 and IPv6
	link_pair "$A" t0 10.2.0.1 "$B" t1 10.2.0.2
	link_pair "$A" u0 10.1.0.1 "$C" u1 10.1.0.2
	ip -n "$C" addr add 10.1.0.3/24 dev u1
	in_ns "$A" sysctl -qw net.ipv6.conf.u0.disable_ipv6=0
	in_ns "$C" sysctl -qw net.ipv6.conf.u1.disable_ipv6=0
	ip -n "$A" addr add fd00::1/64 dev u0 nodad
	ip -n "$C" addr add fd00::2/64 dev u1 nodad
	ip -n "$C" addr add fd00::3/64 dev u1 nodad
	# One external device of each kind carries every session of its
	# kind, whatever their sources and collectors
	ip -n "$A" link add er0 type erspan external
	ip -n "$A" link add e6 type ip6erspan external
	ip -n "$A" link add gt0 type gretap external
	ip -n "$A" link add g6 type ip6gretap external
	ip -n "$A" link add vx0 mtu 1450 type vxlan external dstport 4789
	# A VLAN over the source: veth hands its frames over with the tag
	# beside them, which the tunnel inserts after the cut
	ip -n "$A" link add link s0 name s0.5 type vlan id 5
	ip -n "$B" link add link s1 name s1.5 type vlan id 5
	ip -n "$A" addr add 10.5.0.1/24 dev s0.5
	ip -n "$B" addr add 10.5.0.2/24 dev s1.5
	ip -n "$A" link set s0.5 up
	ip -n "$B" link set s1.5 up
	for dev in er0 e6 gt0 g6 vx0; do
		ip -n "$A" link set "$dev" up
	done
	ip -n "$A" link set s0 \
		mirror add er0 remote 10.1.0.2 id 5 erspan_ver 2 \
		mirror add e6 remote fd00::2 id 9 \
		mirror add gt0 remote 10.1.0.2 id 7 \
		mirror add vx0 remote 10.1.0.2 id 4000
	ip -n "$A" link set t0 \
		mirror add er0 remote 10.1.0.3 id 6 \
		mirror add gt0 remote 10.1.0.3 id 8 \
		mirror add g6 remote fd00::3 id 11 \
		mirror add vx0 remote fd00::3 id 4001
	check_eq "ip shows a session" "$(ip -n "$A" -d link show s0 |
		grep -o 'mirror_to er0 .*')" \
		"mirror_to er0 direction both remote 10.1.0.2 id 5 erspan_ver 2"
	check_eq "ip -j shows an IPv6 session" \
		"$(mirror_entry "$A" s0 e6 remote) $(mirror_entry "$A" s0 e6 id)" \
		"fd00::2 9"

	in_ns "$C" timeout 60 tcpdump -i u1 -Q in -n -U -B 16384 \
		-w "$dir/u1.pcap" ip proto 47 or udp port 4789 or ip6 proto 47 \
		2> "$dir/u1.log" &
	for dev in s0 t0; do
		in_ns "$A" timeout 60 tcpdump -i "$dev" -n -U \
			-w "$dir/$dev.pcap" icmp 2> "$dir/$dev.log" &
	done
	for x in u1 s0 t0; do
		slowwait 30 grep -q listening "$dir/$x.log"
	done
	ping_s0 "$NPINGS" || check_eq "pings through s0" failed ok
	ping_s0 2 10.0.0.2 1472 || check_eq "full-size pings" failed ok
	ping_s0 2 10.5.0.2 1472 || check_eq "full-size pings over VLAN" failed ok
	ping_s0 "$NPINGS" 10.2.0.2 || check_eq "pings through t0" failed ok
	ping_s0 2 10.2.0.2 1472 || check_eq "full-size pings, t0" failed ok
	slowwait 30 until_counter_is ">= $((8 * (2 * NPINGS + 4) + 16))" \
		bash -c "tcpdump -r '$dir/u1.pcap' 2> /dev/null | wc -l" > /dev/null
	sleep 0.5
	in_ns "$C" pkill -INT -x tcpdump
	in_ns "$A" pkill -INT -x tcpdump
	wait
	session_frames "$dir/u1.pcap" > "$dir/frames"
	for dev in s0 t0; do
		icmp_frames "$dir/$dev.pcap" | sort > "$dir/$dev.hex"
		check_eq "reference frames on $dev" "$(wc -l < "$dir/$dev.hex")" \
			$((2 * NPINGS + 4))
	done
	check_eq "outer fragments" "$(grep -c fragment "$dir/frames")" 0

	# Each session: its collector and id, every ICMP frame its source
	# sent and received, the small ones byte for byte, the full-size
	# ones cut to the MTU of the session's device less what the session
	# adds to the header that MTU is for (a GRE key; ERSPAN version 2's
	# 4 bytes more; an IPv6 header rather than IPv4's on vxlan), and
	# counted in the entry's truncated
	for x in "erspan2 10.1.0.2 5 er0 4 s0" "erspan1 fd00::2 9 e6 0 s0" \
		 "gretap 10.1.0.2 7 gt0 4 s0" "vxlan 10.1.0.2 4000 vx0 0 s0" \
		 "erspan1 10.1.0.3 6 er0 0 t0" "gretap 10.1.0.3 8 gt0 4 t0" \
		 "gretap fd00::3 11 g6 4 t0" "vxlan fd00::3 4001 vx0 20 t0"; do
		set -- $x
		kind=$1 dst=$2 id=$3 dev=$4 ref=$6
		x="$kind to $dst"
		check_eq "$x: copies of $ref with id $id" \
			"$(awk -v k="$kind" -v d="$dst" -v i="$id" \
			   '$1 == k && $2 == d && $3 == i' "$dir/frames" | wc -l)" \
			$((2 * NPINGS + 4))
		check_eq "$x: small frames byte for byte" \
			"$(awk -v k="$kind" -v d="$dst" \
			   '$1 == k && $2 == d && $6 < 1000 { print $7 }' \
			   "$dir/frames" | sort | md5sum)" \
			"$(awk 'length($0) < 2000' "$dir/$ref.hex" | md5sum)"
		want=$(($(in_ns "$A" cat "/sys/class/net/$dev/mtu") + 14 - $5))
		check_eq "$x: full-size frames cut to $want bytes" \
			"$(awk -v k="$kind" -v d="$dst" \
			   '$1 == k && $2 == d && $6 > 1000 { print $6 }' \
			   "$dir/frames" | sort -u)" "$want"
		vlan= cut=4
		[ "$ref" = s0 ] && vlan="4 $want" cut=8
		check_eq "$x: full-size VLAN frames, their tag in the cut" \
			"$(awk -v k="$kind" -v d="$dst" \
			   '$1 == "vlan" && $2 == k && $3 == d { print $4 }' \
			   "$dir/frames" | sort | uniq -c | xargs)" "$vlan"
		check_eq "$x: copies counted cut" \
			"$(mirror_entry "$A" "$ref" "$dev" stats.truncated)" \
			"$cut"
	done
	check_eq "erspan2: sent, received, truncated" \
		"$(awk '$1 == "erspan2" { s += $4; t += $5 } END { print s, t }' \
		   "$dir/frames")" "$((NPINGS + 2)) 4"

	# What a session needs, and what only a session takes
	check_eq "ip: external tunnel without remote" \
		"$(ip_error "$A" link set s0 mirror del gt0 mirror add gt0)" \
		"Error: Mirror to an external tunnel needs the collector's address."
	check_eq "sysfs: external tunnel" \
		"$(mirror_write "$A" s0 gt0)" "Invalid argument"
	check_eq "ip: remote on a veth" \
		"$(ip_error "$A" link set s0 mirror add d0 remote 10.1.0.2)" \
		"Error: Mirror destination is not an external tunnel device."
	check_eq "ip: IPv6 collector through erspan" \
		"$(ip_error "$A" link set s0 mirror change er0 remote fd00::2)" \
		"Error: Collector's address family is not the tunnel's."
	check_eq "ip: ERSPAN session id" \
		"$(ip_error "$A" link set s0 mirror change er0 id 1024)" \
		"Error: Session id above the tunnel's maximum, 1023."
	check_eq "ip: VNI" \
		"$(ip_error "$A" link set s0 mirror change vx0 id 16777216)" \
		"Error: Session id above the tunnel's maximum, 16777215."
	check_eq "ip: erspan_ver on vxlan" \
		"$(ip_error "$A" link set s0 mirror change vx0 erspan_ver 2)" \
		"Error: ERSPAN version for a tunnel that is not ERSPAN."
	check_eq "ip: id without remote" \
		"$(ip_error "$A" link set s0 mirror add d0 id 3)" \
		"Error: A session id or version needs the collector's address."
	check_eq "ip: erspan_ver without remote" \
		"$(ip_error "$A" link set s0 mirror add d0 erspan_ver 2)" \
		"Error: A session id or version needs the collector's address."
	check_eq "ip: unspecified collector" \
		"$(ip_error "$A" link set s0 mirror change gt0 remote 0.0.0.0)" \
		"Error: Collector address unspecified."
	check_eq "sessions left as they were" "$(mirror_names "$A" s0)" \
		"er0 e6 gt0 vx0"
	log_test "$name"
	rm -rf "$dir"
	cleanup
}

# A session's copies leave through the device whose frames they copy:
# they must not be copied again, in either direction
nl_session_loop()
{
	local name="netlink: a session through its own source copies each frame once"
	local dir p tx

	RET=0
	nl_check "$name" || return
	setup
	dir=$(mktemp -d)
	link_pair "$A" u0 10.1.0.1 "$C" u1 10.1.0.2
	ip -n "$A" link add gt0 type gretap external
	# The collector decapsulates, as a real one does: without a
	# tunnel, it would answer each copy with an ICMP error into u0
	ip -n "$C" link add gt1 type gretap external
	ip -n "$A" link set gt0 up
	ip -n "$C" link set gt1 up
	ip -n "$A" link set u0 mirror add gt0 remote 10.1.0.2 id 3
	in_ns "$C" timeout 60 tcpdump -i u1 -Q in -n -U -w "$dir/u1.pcap" \
		ip proto 47 2> "$dir/u1.log" &
	slowwait 30 grep -q listening "$dir/u1.log"
	tx=$(stat_get "$A" u0 tx_packets)
	ping_s0 "$NPINGS" 10.1.0.2 || check_eq "pings through u0" failed ok
	wait_count "copies sent" $((2 * NPINGS)) \
		mirror_entry "$A" u0 gt0 stats.packets
	sleep 1
	p=$(mirror_entry "$A" u0 gt0 stats.packets)
	in_ns "$C" pkill -INT -x tcpdump
	wait
	check_eq "copies sent, a second after the last" "$p" $((2 * NPINGS))
	check_eq "frames u0 sent: pings and their copies" \
		$(($(stat_get "$A" u0 tx_packets) - tx)) $((3 * NPINGS))
	check_eq "GRE packets at the collector" \
		"$(tcpdump -r "$dir/u1.pcap" 2> /dev/null | wc -l)" $((2 * NPINGS))
	check_eq "of them, copies of u0's ICMP frames, id 3" \
		"$(session_frames "$dir/u1.pcap" |
		   awk '$1 == "gretap" && $3 == 3' | wc -l)" $((2 * NPINGS))
	log_test "$name"
	rm -rf "$dir"
	cleanup
}

nl_same_table()
{
	local name="netlink and sysfs show and change the same table"

	RET=0
	nl_check "$name" || return
	setup
	link_pair "$A" e0 "" "$C" e1 ""
	check_write "$A" s0 d0 ""
	ip -n "$A" link set s0 mirror add e0 direction tx
	check_eq "mirror_to" "$(mirror_read "$A" s0)" "d0 e0"
	check_eq "ip's table" "$(mirror_names "$A" s0)" "d0 e0"
	check_eq "a sysfs entry's options" "$(mirror_entry "$A" s0 d0 \
		'direction + " " + (.snaplen | tostring) + " " + (.sample | tostring)')" \
		"both 0 1"
	ip -n "$A" link set s0 mirror del d0
	check_eq "mirror_to after ip's del" "$(mirror_read "$A" s0)" "e0"
	check_write "$A" s0 -e0 ""
	check_eq "ip's table after sysfs' removal" "$(mirror_names "$A" s0)" ""

	log_test "$name"
	cleanup
}

nl_errors()
{
	local name="netlink: every refusal has its errno and extack, changes nothing"
	local s0 d0 e0 lo x

	RET=0
	ynl_check "$name" || return
	setup
	link_pair "$A" e0 "" "$C" e1 ""
	ip -n "$A" link add link s0 name s0.5 type vlan id 5
	ip -n "$A" link add mv0 link s0 type macvlan
	for x in $(seq 1 8); do
		ip -n "$A" link add "m$x" type dummy
		ip -n "$A" link set "m$x" up
	done
	ip -n "$A" link add dummy0 type dummy
	ip -n "$A" link set s0 mirror add d0

	check_eq "ip: self" "$(ip_error "$A" link set s0 mirror add s0)" \
		"Error: Device cannot mirror to itself."
	check_eq "ip: exists" "$(ip_error "$A" link set s0 mirror add d0)" \
		"Error: Device already mirrors to this destination."
	check_eq "ip: change a non-destination" \
		"$(ip_error "$A" link set s0 mirror change e0 sample 2)" \
		"Error: Device does not mirror to this destination."
	check_eq "ip: del a non-destination" \
		"$(ip_error "$A" link set s0 mirror del e0)" \
		"Error: Device does not mirror to this destination."
	check_eq "ip: link-layer type" "$(ip_error "$A" link set s0 mirror add lo)" \
		"Error: Mirror destination has another link-layer type."
	check_eq "ip: VLAN on the source" \
		"$(ip_error "$A" link set s0 mirror add s0.5)" \
		"Error: Mirror destination is stacked on the device or under it."
	check_eq "ip: macvlan mirroring its lower" \
		"$(ip_error "$A" link set mv0 mirror add s0)" \
		"Error: Mirror destination is stacked on the device or under it."
	check_eq "ip: snaplen below 64" \
		"$(ip_error "$A" link set s0 mirror add e0 snaplen 10)" \
		"Error: Snap length must be 0 or at least 64."
	check_eq "ip: snaplen above 65535" \
		"$(ip_error "$A" link set s0 mirror add e0 snaplen 70000)" \
		"Error: integer out of range."
	check_eq "ip: sample 0" \
		"$(ip_error "$A" link set s0 mirror add e0 sample 0)" \
		"Error: integer out of range."
	check_eq "ip: rate above 10^7" \
		"$(ip_error "$A" link set s0 mirror add e0 rate 10000001)" \
		"Error: integer out of range."
	check_eq "ip: del with a rate" \
		"$(ip_error "$A" link set s0 mirror del d0 rate 10)" \
		"Error: Removing a mirror takes no options."
	check_eq "ip: without CAP_NET_ADMIN" "$(in_ns "$A" setpriv \
		--inh-caps=-net_admin --bounding-set=-net_admin \
		ip link set s0 mirror add e0 2>&1)" \
		"RTNETLINK answers: Operation not permitted"
	check_eq "ip: the ninth destination" "$(ip_error "$A" link set dummy0 \
		mirror add m1 mirror add m2 mirror add m3 mirror add m4 \
		mirror add m5 mirror add m6 mirror add m7 mirror add m8 \
		mirror add d0)" "Error: Device already has 8 mirror destinations."
	check_eq "dummy0 after the refused nine" "$(mirror_names "$A" dummy0)" ""
	check_eq "ip: a refused mirror with other changes" "$(ip_error "$A" \
		link set s0 mtu 1400 mirror add e0 snaplen 10)" \
		"Error: Snap length must be 0 or at least 64."
	check_eq "s0's MTU after it" \
		"$(in_ns "$A" cat /sys/class/net/s0/mtu)" 1500
	check_eq "ip: with a netns move" \
		"$(ip_error "$A" link set s0 netns "$B" mirror add e0)" \
		"Error: Mirrors cannot be set while the device moves to another netns."
	check_eq "ip: when creating a device" \
		"$(ip_error "$A" link add x0 mirror add e0 type dummy)" \
		"Error: Mirrors are added to a device once it exists."
	ip -n "$A" link set e0 group 7
	ip -n "$A" link set m1 group 7
	check_eq "ip: for a group of devices" \
		"$(ip_error "$A" link set group 7 mirror add d0)" \
		"Error: Mirrors are set per device."
	check_eq "the group's tables after it" \
		"$(mirror_names "$A" e0)/$(mirror_names "$A" m1)" "/"
	ip -n "$A" link add br9 type bridge hello_time 200
	check_eq "ip: a refused mirror with a link type's changes" "$(ip_error \
		"$A" link set br9 mirror add e0 snaplen 10 type bridge \
		hello_time 300)" "Error: Snap length must be 0 or at least 64."
	check_eq "br9's hello_time after it" \
		"$(in_ns "$A" cat /sys/class/net/br9/bridge/hello_time)" 200

	s0=$(ifindex_of "$A" s0)
	d0=$(ifindex_of "$A" d0)
	e0=$(ifindex_of "$A" e0)
	check_eq "ynl: errno and extack of each request" \
		"$(ynl_requests "$A" "$s0" <<-EOF
		{"add": [{"ifindex": 999999}]}
		{"add": [{"ifindex": $s0}]}
		{"add": [{"ifindex": $d0}]}
		{"add": [{"ifindex": 1}]}
		{"add": [{"snaplen": 128}]}
		{"add": [{"ifindex": $e0, "direction": 4}]}
		{"add": [{"ifindex": $e0, "snaplen": 63}]}
		{"add": [{"ifindex": $e0, "sample": 2147483648}]}
		{"add": [{"ifindex": $e0, "rate": 10000001}]}
		{"add": [{"ifindex": $e0, "stats": {"packets": 1}}]}
		{"entry": [{"ifindex": $e0}]}
		{"del": [{"ifindex": $d0, "snaplen": 128}]}
		{"add": [{"ifindex": $e0}], "del": [{"ifindex": $e0}, {"ifindex": $e0}]}
		{"change": [{"ifindex": $e0, "sample": 5}]}
		EOF
	)" "$(cat <<-EOF
		19 Mirror destination not found
		22 Device cannot mirror to itself
		17 Device already mirrors to this destination
		95 Mirror destination has another link-layer type
		22 Mirror destination ifindex missing
		34 integer out of range
		34 Snap length must be 0 or at least 64
		34 integer out of range
		34 integer out of range
		22 Mirror counters are read only
		22 Use IFLA_MIRROR_ADD, _CHANGE or _DEL
		22 Removing a mirror takes no options
		2 Device does not mirror to this destination
		2 Device does not mirror to this destination
		EOF
	)"
	check_eq "s0 after every refusal" "$(ip -n "$A" -d -j link show dev s0 |
		jq -c '.[0].mirror_to')" \
		'[{"ifname":"d0","direction":"both","snaplen":0,"sample":1,"rate":0,"burst":0}]'
	# Several requests in one message, in order: del, add, change
	check_eq "ynl: del, add and change in one message" \
		"$(ynl_requests "$A" "$s0" <<-EOF
		{"del": [{"ifindex": $d0}], "add": [{"ifindex": $e0}],
		 "change": [{"ifindex": $e0, "snaplen": 96}]}
		EOF
	)" 0
	check_eq "s0 after it" "$(ip -n "$A" -d -j link show dev s0 |
		jq -c '[.[0].mirror_to[] | [.ifname, .snaplen]]')" '[["e0",96]]'
	check_eq "ynl: the counters of s0's entry, each named by the spec" \
		"$(ynl_entry_stats "$A" "$s0")" \
		"bytes=0 down=0 dropped=0 overlimits=0 packets=0 skipped=0 truncated=0"

	log_test "$name"
	cleanup
}

# monitor_tables FILE: for each RTM_NEWLINK of s0 that ip -d monitor
# printed, its destinations ("-" for none), one line each
monitor_tables()
{
	awk '/^[0-9]+: / { if (dev == "s0") print (t == "" ? "-" : t);
			   split($2, n, "[@:]"); dev = n[1]; t = ""; next }
	     /^Deleted / { if (dev == "s0") print (t == "" ? "-" : t); dev = ""; next }
	     /^ *mirror_to / { t = t (t == "" ? "" : " ") $2 "/" $4 }
	     END { if (dev == "s0") print (t == "" ? "-" : t) }' "$1" |
		tr '\n' ','
}

nl_monitor()
{
	local name="ip monitor link sees changes from netlink, sysfs and unregistration"
	local log pid want i

	RET=0
	nl_check "$name" || return
	setup
	link_pair "$A" e0 "" "$C" e1 ""
	# Down, so that the notifications cannot come from a state change
	ip -n "$A" link set s0 down
	log=$(mktemp)
	ip -n "$A" -d monitor link > "$log" &
	pid=$!
	# It listens once it shows a change of e0's
	slowwait 30 bash -c "ip -n $A link set dev e0 alias ready\$RANDOM &&
		grep -q 'alias ready' $log"
	check_write "$A" s0 d0 ""
	ip -n "$A" link set s0 mirror add e0 snaplen 128
	ip -n "$A" link set s0 mirror change e0 direction rx
	ip -n "$A" link set s0 mirror del e0
	check_write "$A" s0 -d0 ""
	check_write "$A" s0 e0 ""
	ip -n "$A" link del e0
	want="d0/both,d0/both e0/both,d0/both e0/rx,d0/both,-,e0/both,-,"
	for ((i = 0; i < 300; i++)); do
		[ "$(monitor_tables "$log")" = "$want" ] && break
		sleep 0.1
	done
	kill "$pid"
	wait "$pid"
	check_eq "s0's tables in RTM_NEWLINK" "$(monitor_tables "$log")" "$want"

	log_test "$name"
	rm -f "$log"
	cleanup
}

nl_dump_many()
{
	local name="netlink: a dump of 64 devices with 8 destinations each"
	local batch i j

	RET=0
	nl_check "$name" || return
	setup
	batch=$(mktemp)
	for i in $(seq 1 8); do
		echo "link add m$i type dummy"
		echo "link set m$i up"
	done > "$batch"
	for i in $(seq 1 64); do
		echo "link add src$i type dummy"
		echo -n "link set src$i"
		for j in $(seq 1 8); do
			echo -n " mirror add m$j"
		done
		echo
	done >> "$batch"
	ip -n "$A" -batch "$batch"
	check_eq "entries in a dump with counters" "$(ip -n "$A" -s -d -j link show |
		jq '[.[] | .mirror_to[]? | select(.stats.dropped == 0)] | length')" 512 &&
	check_eq "entries in a dump without" "$(ip -n "$A" -d link show |
		grep -c 'mirror_to m[1-8] direction both$')" 512

	log_test "$name"
	rm -f "$batch"
	cleanup
}

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: need root"
	exit $ksft_skip
fi
for tool in ip tc nft tcpdump ping setpriv; do
	if ! command -v $tool > /dev/null; then
		echo "SKIP: $tool not found"
		exit $ksft_skip
	fi
done
if [ ! -e /sys/class/net/lo/mirror_to ]; then
	echo "SKIP: no mirror_to attribute (CONFIG_NET_MIRROR)"
	exit $ksft_skip
fi

trap cleanup_all_ns EXIT

for t in ${TESTS:-$ALL_TESTS}; do
	$t
done

exit $EXIT_STATUS
