#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# stress.sh [SECONDS]: traffic on every CPU through mirrored devices while
# other processes add and remove destinations, create and delete devices
# that are sources or destinations, move them between namespaces, rename
# them, set them down and up and, with CONFIG_NET_MIRROR=m, unload the
# module whenever no entry holds it. Slab allocations of sk_buffs (the
# copies' clones among them) fail at random for the middle third: the
# faults injected are counted. Then: every mirror_to names only live
# devices of its netns, traffic is still mirrored with exact counts, and
# the module unloads.

cd "$(dirname "$0")" && source ./lib.sh

DURATION=${1:-60}
B=stress-b
M=stress-m
FI=/sys/kernel/debug/failslab
SKB_SLAB=/sys/kernel/slab/skbuff_head_cache/failslab
# what a write may fail with here (ABI: sysfs-class-net mirror_to);
# ENOMEM and ENOPKG (a module load that failed to allocate) only while
# allocations fail (the file $work/failing exists)
ALLOWED="No such device|File exists|No such file or directory|No space left on device|Too many levels of symbolic links|Invalid argument"
FAILING_ALLOWED="Cannot allocate memory|Package not installed"
work=$(mktemp -d)
end=$((SECONDS + DURATION))

# Devices churned: veths (peers in $B) that come and go as cN or rN
CHURN=(c0 c1 c2 c3 c4 c5)
# Stable ones: pktgen's (dummy) and the pings' (veth) sources, and sinks
STABLE=(pg0 pg1 sv0 sv1 d0 d1 d2)

modular()
{
	[[ "$(modinfo -n mirror 2> /dev/null)" == *.ko* ]]
}

running()
{
	[ $SECONDS -lt $end ]
}

pick()
{
	local a=("$@")

	echo "${a[RANDOM % ${#a[@]}]}"
}

# A name the writer may use: stable, churned, or renamed churned
any_dev()
{
	case $((RANDOM % 3)) in
	0) pick "${STABLE[@]}" ;;
	1) pick "${CHURN[@]}" ;;
	2) pick "${CHURN[@]/c/r}" ;;
	esac
}

# writer: random adds and removes; an error not in ALLOWED is a failure
writer()
{
	local src dst op err

	while running; do
		src=$(any_dev)
		dst=$(any_dev)
		op=$( ((RANDOM % 2)) && echo - )
		# churn_module wants the table empty for a moment
		[ -e "$work/quiet" ] && { sleep 0.1; continue; }
		err=$( (echo "$op$dst" > "/sys/class/net/$src/mirror_to") 2>&1)
		case $err in
		''|*'No such file or directory'*mirror_to*) ;;
		*) [[ $err =~ $ALLOWED ]] ||
			{ [ -e "$work/failing" ] && [[ $err =~ $FAILING_ALLOWED ]]; } ||
			echo "$src <- $op$dst: $err" >> "$work/bad" ;;
		esac
	done
}

# ip's refusals a churned table may give: ip's own for a name gone
# before it asked, or the kernel's extack message, or the errno alone
# for the device a request names
NL_ALLOWED='^(Cannot find device|Error: (Device cannot mirror to itself|Mirror destination (not found|has another link-layer type|is stacked on the device or under it)|Device already (mirrors to this destination|has 8 mirror destinations)|Device does not mirror to this destination|A burst needs a rate)\.|RTNETLINK answers: No such device)'
NL_FAILING_ALLOWED='^Error: (Port mirroring module not loaded|Cannot set up the mirror table)\.'

# nl_writer: the same through ip link set ... mirror, with options
nl_writer()
{
	local src dst op opts err

	while running; do
		src=$(any_dev)
		dst=$(any_dev)
		op=$(pick add add change del)
		opts=()
		[ "$op" = del ] || opts=(snaplen "$(pick 0 64 128)" \
			direction "$(pick rx tx both)" sample "$(pick 1 2 10)" \
			priority "$(pick 0 1 1:3)" rate "$(pick 0 100 100000)" \
			burst "$(pick 0 1 1000)")
		[ -e "$work/quiet" ] && { sleep 0.1; continue; }
		err=$(ip link set dev "$src" mirror "$op" "$dst" "${opts[@]}" 2>&1)
		[ -z "$err" ] || [[ $err =~ $NL_ALLOWED ]] ||
			{ [ -e "$work/failing" ] && [[ $err =~ $NL_FAILING_ALLOWED ]]; } ||
			echo "ip: $src mirror $op $dst: $err" >> "$work/bad"
	done
}

# session_writer: sessions to a collector through cx0, an external
# gretap, which churn_tunnel deletes and makes again: the sessions'
# tunnel metadata lives and dies with entries, arrays and copies
session_writer()
{
	local src op opts err

	while running; do
		# Mostly the sources with traffic
		src=$(pick pg0 pg1 sv0 "$(any_dev)")
		op=$(pick add add change del)
		opts=()
		[ "$op" = del ] || opts=(remote "$(pick 10.3.0.2 10.3.0.3)" \
			id "$(pick 0 1 4294967295)" snaplen "$(pick 0 128)")
		[ -e "$work/quiet" ] && { sleep 0.1; continue; }
		err=$(ip link set dev "$src" mirror "$op" cx0 "${opts[@]}" 2>&1)
		[ -z "$err" ] && [ "$op" = add ] && echo "$src" >> "$work/sessions"
		[ -z "$err" ] || echo "$op: $err" >> "$work/session-errors"
		[ -z "$err" ] || [[ $err =~ $NL_ALLOWED ]] ||
			{ [ -e "$work/failing" ] && [[ $err =~ $NL_FAILING_ALLOWED ]]; } ||
			echo "ip: $src mirror $op cx0: $err" >> "$work/bad"
	done
}

# churn_tunnel: cx0 goes, with every session through it, and comes back
# with one from pg0, whose frames pktgen sends: a session under traffic
# whatever the writers manage (a few requests a minute on the debug VM)
churn_tunnel()
{
	while running; do
		sleep 1
		ip link del cx0 2> /dev/null
		ip link add cx0 type gretap external && ip link set cx0 up ||
			continue
		# After churn_module's window, not in it: an add there
		# would keep the module from unloading
		while [ -e "$work/quiet" ]; do sleep 0.1; done
		ip link set dev pg0 mirror add cx0 remote 10.3.0.2 id 7 \
			2> /dev/null && echo pg0 >> "$work/sessions"
	done
}

# churn_upper: the bond cb, mirrored on receive into du, takes its port
# cbp and gives it back, its receive tap added and removed each time,
# while $B pings it. A bond without a port takes a random address: give
# it its own back first. The rounds are counted (a few a minute on the
# debug VM, whose forks the traffic starves); the check comes after.
churn_upper()
{
	while running; do
		[ -e "$work/quiet" ] ||
			ip link set cb mirror add du direction rx 2> /dev/null
		ip link set cb address 02:00:00:00:0c:01
		ip link set cbp master cb 2> /dev/null
		ip netns exec $B ping -q -c 5 -i 0.01 -W 1 10.4.0.1 > /dev/null 2>&1
		ip link set cbp nomaster 2> /dev/null
		echo >> "$work/upper-rounds"
	done
}

churn_devices()
{
	local d

	while running; do
		d=$(pick "${CHURN[@]}")
		if [ -e "/sys/class/net/$d" ]; then
			ip link del "$d"
		else
			ip link add "$d" type veth peer name "p$d" netns $B 2> /dev/null &&
			ip link set "$d" up
		fi
		sleep 0.05
	done
}

churn_netns()
{
	local d

	while running; do
		d=$(pick "${CHURN[@]}")
		ip link set "$d" netns $M 2> /dev/null || continue
		sleep 0.1
		ip -n $M link set "$d" netns 1
		ip link set "$d" up 2> /dev/null
	done
}

churn_names()
{
	local d r

	while running; do
		d=$(pick "${CHURN[@]}")
		r=${d/c/r}
		ip link set "$d" down 2> /dev/null &&
			ip link set "$d" name "$r" 2> /dev/null
		sleep 0.1
		ip link set "$r" name "$d" 2> /dev/null
		ip link set "$d" up 2> /dev/null
	done
}

churn_updown()
{
	local d

	while running; do
		d=$(pick d0 d1 d2 sv1 "${CHURN[@]}")
		ip link set "$d" down 2> /dev/null
		sleep 0.02
		ip link set "$d" up 2> /dev/null
	done
}

# With =m: now and then hold the writers off, drop every entry and
# unload; their next write loads the module again
churn_module()
{
	local f n names i

	while running; do
		sleep 3
		# The failslab window wants the fixed mirrors in place
		[ -e "$work/failing" ] && continue
		touch "$work/quiet"
		# A writer that looked before the file was there may still add
		# an entry, its fork taking seconds: clear and try again
		for ((i = 0; i < 3; i++)); do
			sleep 1
			# builtins only: a fork per device takes seconds here
			for f in /sys/class/net/*/mirror_to; do
				read -r -a names < "$f" 2> /dev/null || continue
				for n in "${names[@]}"; do
					echo "-$n" > "$f" 2> /dev/null
				done
			done
			echo >> "$work/tries"
			if rmmod mirror 2>> "$work/rmmod.err"; then
				echo unloaded >> "$work/rmmod"
				break
			fi
		done
		rm -f "$work/quiet"
	done
}

# The mirrors traffic goes through
fixed_mirrors()
{
	echo d0 > /sys/class/net/pg0/mirror_to
	echo d1 > /sys/class/net/pg1/mirror_to
	echo d2 > /sys/class/net/sv0/mirror_to
} 2> /dev/null

# failslab ON PERCENT: fail PERCENT of skbuff_head_cache's allocations,
# at most FAULTS times (what is left of it counts those injected)
FAULTS=1000000
failslab()
{
	echo "$1" > $SKB_SLAB
	echo Y > $FI/cache-filter
	echo N > $FI/task-filter
	echo 0 > $FI/verbose
	echo $FAULTS > $FI/times
	echo 1 > $FI/interval
	echo "$2" > $FI/probability
}

# copies_taken [STAT]: what d0, d1 and d2 sent and dropped (or STAT)
copies_taken()
{
	local d n=0

	for d in d0 d1 d2; do
		if [ -n "${1:-}" ]; then
			n=$((n + $(stat_of $d "$1")))
		else
			n=$((n + $(stat_of $d tx_packets) + $(stat_of $d tx_dropped)))
		fi
	done
	echo $n
}

pktgen_set()
{
	echo "$2" > "/proc/net/pktgen/$1" &&
		grep -q '^Result: OK' "/proc/net/pktgen/$1" ||
		{ echo "stress: pktgen refused '$2' on $1"; return 1; }
}

# pktgen on each CPU: pg0 transmits (tx hook), pg1 receives (rx hook);
# paced, so that the churners get CPU time under TCG
pktgen_start()
{
	local t

	for t in 0 1; do
		pktgen_set "kpktgend_$t" rem_device_all &&
		pktgen_set "kpktgend_$t" "add_device pg$t" &&
		pktgen_set "pg$t" "count 0" &&
		pktgen_set "pg$t" "delay 200000" &&
		pktgen_set "pg$t" "pkt_size 64" &&
		pktgen_set "pg$t" "dst 10.9.9.9" &&
		pktgen_set "pg$t" "dst_mac 02:00:00:00:00:01" || return 1
	done
	pktgen_set pg0 "xmit_mode queue_xmit" &&
	pktgen_set pg1 "xmit_mode netif_receive" || return 1
	echo start > /proc/net/pktgen/pgctrl &
}

setup()
{
	local d

	modprobe pktgen 2> /dev/null
	ip netns add $B && ip netns add $M || return 1
	quiet_ns $B $M
	# d2 counts the copies of the last check: no frames of its own
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip link add pg0 type dummy
	ip link add pg1 type dummy
	for d in pg0 pg1 d0 d1 d2; do
		[ -e "/sys/class/net/$d" ] || ip link add "$d" type veth peer name "p$d" netns $B
		ip link set "$d" up
		ip -n $B link set "p$d" up 2> /dev/null
	done
	ip link add sv0 type veth peer name sv1
	ip link set sv0 up
	ip link set sv1 up
	ip addr add 10.3.0.1/24 dev sv0
	ip link set sv1 netns $B
	ip -n $B addr add 10.3.0.2/24 dev sv1
	ip -n $B link set sv1 up
	static_neigh "" sv0 10.3.0.1 $B sv1 10.3.0.2
	# Sessions' copies go out of sv0 to $B, whose external gretap
	# takes them without an ICMP error back
	ip link add cx0 type gretap external && ip link set cx0 up || return 1
	ip -n $B link add cx1 type gretap external &&
		ip -n $B link set cx1 up || return 1
	ip link set dev pg0 mirror add cx0 remote 10.3.0.2 id 7 || return 1
	# churn_upper's bond, its port, the peer in $B pinging it and du,
	# the destination of the bond alone; static neighbours, so that the
	# pings are the only frames
	ip link add cb address 02:00:00:00:0c:01 type bond mode balance-xor &&
		ip link set cb up && ip addr add 10.4.0.1/24 dev cb || return 1
	ip link add cbp address 02:00:00:00:0c:02 type veth \
		peer name pcbp address 02:00:00:00:0c:03 netns $B || return 1
	ip -n $B addr add 10.4.0.2/24 dev pcbp
	ip -n $B link set pcbp up
	ip -n $B neigh replace 10.4.0.1 lladdr 02:00:00:00:0c:01 dev pcbp \
		nud permanent
	ip neigh replace 10.4.0.2 lladdr 02:00:00:00:0c:03 dev cb nud permanent
	ip link add du type veth peer name pdu netns $B || return 1
	ip link set du up
	ip -n $B link set pdu up
	fixed_mirrors
	[ "$(cat /sys/class/net/sv0/mirror_to)" = d2 ]
}

cleanup()
{
	local d

	echo stop > /proc/net/pktgen/pgctrl 2> /dev/null
	[ -e $SKB_SLAB ] && failslab 0 0
	for d in pg0 pg1 sv0 d0 d1 d2 cx0 cb cbp du "${CHURN[@]}" "${CHURN[@]/c/r}"; do
		ip link del "$d" 2> /dev/null
	done
	ip netns del $B 2> /dev/null
	ip netns del $M 2> /dev/null
	rm -rf "$work"
}

# consistent: every mirror_to lists distinct live devices of its netns,
# at most 8 of them
consistent()
{
	local f n names bad=""

	for f in /sys/class/net/*/mirror_to; do
		names=$(cat "$f") || { bad+=" cannot read $f;"; continue; }
		for n in $names; do
			[ -e "/sys/class/net/$n" ] || bad+=" $f names $n, gone;"
		done
		[ "$(echo $names | wc -w)" -le 8 ] || bad+=" $f: $names;"
		[ "$(printf '%s\n' $names | sort | uniq -d)" = "" ] ||
			bad+=" $f repeats: $names;"
	done
	echo "$bad"
}

trap cleanup EXIT
setup && pktgen_start || { result "stress: setup" 1; exit 1; }

pids=()
writer & pids+=($!)
nl_writer & pids+=($!)
session_writer & pids+=($!)
churn_tunnel & pids+=($!)
churn_upper & pids+=($!)
churn_devices & pids+=($!)
churn_netns & pids+=($!)
churn_names & pids+=($!)
churn_updown & pids+=($!)
modular && { churn_module & pids+=($!); }
for cpu in 0 1; do
	taskset -c $cpu ping -q -i 0.005 -w "$DURATION" 10.3.0.2 > "$work/ping$cpu" 2>&1 &
	pids+=($!)
done

# Clones and other sk_buff allocations fail for the middle third; an
# error they cause may be reported a little after
sleep $((DURATION / 3))
if [ -e $SKB_SLAB ]; then
	# No module unload meanwhile (churn_module), once one under way
	# is done, and the fixed mirrors back: copies to fail
	touch "$work/failing"
	sleep 2
	while [ -e "$work/quiet" ]; do sleep 0.1; done
	fixed_mirrors
	taken=$(copies_taken) dropped=$(copies_taken tx_dropped)
	failslab 1 20
fi
sleep $((DURATION / 3))
if [ -e $SKB_SLAB ]; then
	echo 0 > $FI/probability
	faults=$((FAULTS - $(cat $FI/times)))
	taken=$(($(copies_taken) - taken))
	dropped=$(($(copies_taken tx_dropped) - dropped))
	failslab 0 0
	echo "stress: $faults sk_buff allocations failed while d0-d2 took" \
		"$taken copies, $dropped of them dropped"
	# The module churn wipes the mirrors now and then, so that how many
	# copies failed is not known (alloc_failures in mirror.sh accounts
	# for each): some must have been taken, and some counted dropped
	why=""
	[ "$faults" -gt 0 ] || why="no fault injected"
	[ "$taken" -gt 0 ] || why+=" no copy taken"
	[ "$dropped" -gt 0 ] || why+=" no copy counted dropped"
	result "stress: sk_buff allocation faults injected and counted" \
		"$([ -z "$why" ]; echo $?)" "$why"
	(sleep 2; rm -f "$work/failing") &
fi
wait "${pids[@]}"
echo stop > /proc/net/pktgen/pgctrl
for t in 0 1; do
	sed -n "s/^ *\(pkts-sofar: [0-9]*\) *\(errors: [0-9]*\).*/pg$t: \1 \2/p" \
		/proc/net/pktgen/pg$t
done | tee "$work/pktgen"
grep -q 'pg0: pkts-sofar: [1-9]' "$work/pktgen" &&
	grep -q 'pg1: pkts-sofar: [1-9]' "$work/pktgen"
result "stress: pktgen sent on both CPUs" $?

why=""
[ ! -s "$work/bad" ] || why="writes failed with undocumented errors: $(sort -u "$work/bad" | head -5)"
result "stress: only documented errnos under churn ($DURATION s)" "$([ -z "$why" ]; echo $?)" "$why"

# Sessions carried copies to $B's external gretap, which decapsulates
# them: the counter of the one device that never churns
n=$(cat "$work/sessions" 2> /dev/null | wc -l)
got=$(ip netns exec $B cat /sys/class/net/cx1/statistics/rx_packets)
echo "stress: $n sessions added through a churned external gretap," \
	"$got copies decapsulated"
why="none arrived; $n sessions added, refusals:"
why+=" $(sort "$work/session-errors" 2> /dev/null | uniq -c | sort -rn | head -3)"
result "stress: sessions carry copies while their tunnel device churns" \
	"$([ "$got" -gt 0 ]; echo $?)" "$why"

# The bond whose port came and went: its tap still copies, exactly
n=$(cat "$work/upper-rounds" 2> /dev/null | wc -l)
echo "stress: the bond cb took and gave back its port $n times"
why=""
ip link set cb mirror add du direction rx 2> /dev/null
# A new address flushes the neighbours, static ones too
ip link set cb address 02:00:00:00:0c:01
ip neigh replace 10.4.0.2 lladdr 02:00:00:00:0c:03 dev cb nud permanent
ip link set cbp master cb || why="cbp into cb"
s0=$(stat_of du tx_packets)
ip netns exec $B ping -q -c 10 -i 0.01 -W 2 10.4.0.1 | all_answered ||
	why+=" pings lost"
got=$(wait_stat du tx_packets $((s0 + 10)))
[ "$got" = $((s0 + 10)) ] || why+=" du sent $((got - s0)) copies of 10 requests"
ip link set cb mirror del du
result "stress: a bond whose port came and went copies what it receives" \
	"$([ -z "$why" ]; echo $?)" "$why"

why=$(consistent)
result "stress: every mirror_to names live devices afterwards" "$([ -z "$why" ]; echo $?)" "$why"

# Traffic is still mirrored: a fresh entry, exact copies; and no session
# sends anything of its own out of sv0
ip link del cx0 2> /dev/null
for d in pg0 pg1 sv0; do
	for n in $(cat "/sys/class/net/$d/mirror_to"); do
		echo "-$n" > "/sys/class/net/$d/mirror_to"
	done
done
why=""
echo d2 > /sys/class/net/sv0/mirror_to || why="cannot add d2 to sv0"
ip link set d2 up
s0=$(stat_of d2 tx_packets)
ping -q -c 10 -i 0.01 -W 2 10.3.0.2 | all_answered || why+=" pings lost"
got=$(wait_stat d2 tx_packets $((s0 + 20)))
[ "$got" = $((s0 + 20)) ] || why+=" d2 sent $((got - s0)) copies of 20"
echo -d2 > /sys/class/net/sv0/mirror_to
result "stress: traffic is mirrored afterwards, exact count" "$([ -z "$why" ]; echo $?)" "$why"

lockdep_on
result "stress: lockdep still on (no report)" $?

unloads="$(cat "$work/rmmod" 2> /dev/null | wc -l) of $(cat "$work/tries" 2> /dev/null | wc -l) tries"
[ ! -s "$work/rmmod.err" ] || echo "stress: rmmod refused: $(sort -u "$work/rmmod.err" | head -3)"
cleanup
trap - EXIT
if modular; then
	why=""
	[ "${unloads%% *}" -gt 0 ] || why="never unloaded during the run; "
	why+=$(rmmod mirror 2>&1)
	echo "stress: the module unloaded $unloads during the run"
	result "stress: the module unloads during the run, and after it" \
		"$([ -z "$why" ]; echo $?)" "$why"
fi
[ $failures = 0 ]
