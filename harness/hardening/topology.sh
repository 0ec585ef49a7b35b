#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Topology matrix for lock safety: every source kind below mirrored into
# every destination kind, each side under no qdisc, pfifo_fast, fq_codel
# or htb in turn. Each case pings N times over the source's path and wants
# exactly the copies the source's hook points see on the destination, the
# count steady afterwards (no storm), every ping answered, lockdep on.
#
# The system under test is the init netns; the sources' peers are in B,
# the destinations' far ends in C. IPv6 is off and neighbours static, so
# that the pings are the only frames. vs0/vd0 are virtio-net NICs (not
# LLTX: their transmit runs under the TX lock), present when vm.sh was
# run with VM_NICS=1: QEMU hubs join vs0 to vs1 and vd0 to vd1.

cd "$(dirname "$0")" && source ./lib.sh

N=10
B=mirror-b
C=mirror-c
QDISCS=(noqueue pfifo_fast fq_codel htb)

# source device, its path's local and remote address, copies per ping:
# two, the request sent and the reply received, upper devices (VLAN,
# bond, macvlan: received through their tap) included
SOURCES=(
	"sv0 10.1.1.1 10.1.1.2 2"
	"sq0.10 10.1.2.1 10.1.2.2 2"
	"sq0 10.1.2.1 10.1.2.2 2"
	"sb 10.1.3.1 10.1.3.2 2"
	"sbp 10.1.3.1 10.1.3.2 2"
	"sbr 10.1.4.1 10.1.4.2 2"
	"sbrp 10.1.4.1 10.1.4.2 2"
	"smv 10.1.5.1 10.1.5.2 2"
	"vs0 10.1.6.1 10.1.6.2 2"
)
# gretap: a tunnel whose underlay is the source's own path
DESTS=(dv0 dq0.20 db dbr dmv vd0 gretap)

nic_by_mac()
{
	ip -br link | awk -v m="$1" '$3 == m { print $1 }'
}

veth()
{
	ip link add "$1" type veth peer name "$2" netns "$3"
	ip link set "$1" up
	ip -n "$3" link set "$2" up
}

# path DEV LOCAL PEERDEV REMOTE: addresses and static neighbours
path()
{
	ip addr add "$2/24" dev "$1"
	ip -n $B addr add "$4/24" dev "$3"
	static_neigh "" "$1" "$2" $B "$3" "$4"
}

setup()
{
	local nic

	ip netns add $B && ip netns add $C || return 1
	quiet_ns $B $C
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1

	veth sv0 sv1 $B
	path sv0 10.1.1.1 sv1 10.1.1.2

	veth sq0 sq1 $B
	ip link add link sq0 name sq0.10 up type vlan id 10
	ip -n $B link add link sq1 name sq1.10 up type vlan id 10
	path sq0.10 10.1.2.1 sq1.10 10.1.2.2

	ip link add sb type bond mode active-backup
	veth sbp sb1 $B
	ip link set sbp down
	ip link set sbp master sb
	ip link set sb up
	path sb 10.1.3.1 sb1 10.1.3.2

	ip link add sbr type bridge
	veth sbrp sbr1 $B
	ip link set sbrp master sbr
	ip link set sbr up
	path sbr 10.1.4.1 sbr1 10.1.4.2

	veth smvl smv1 $B
	ip link add link smvl name smv up type macvlan mode bridge
	path smv 10.1.5.1 smv1 10.1.5.2

	veth dv0 dv1 $C
	veth dq0 dq1 $C
	ip link add link dq0 name dq0.20 up type vlan id 20
	ip link add db type bond mode active-backup
	veth dbp db1 $C
	ip link set dbp down
	ip link set dbp master db
	ip link set db up
	ip link add dbr type bridge
	veth dbrp dbr1 $C
	ip link set dbrp master dbr
	ip link set dbr up
	veth dmvl dmv1 $C
	ip link add link dmvl name dmv up type macvlan

	# The NICs vm.sh adds with VM_NICS=1, by their MAC addresses
	nic=$(nic_by_mac 52:54:00:12:00:00)
	[ -n "$nic" ] || return 0
	ip link set "$nic" name vs0 up
	nic=$(nic_by_mac 52:54:00:12:00:01)
	ip link set "$nic" netns $B
	ip -n $B link set "$nic" name vs1 up
	path vs0 10.1.6.1 vs1 10.1.6.2
	ip link set "$(nic_by_mac 52:54:00:12:00:02)" name vd0 up
	nic=$(nic_by_mac 52:54:00:12:00:03)
	ip link set "$nic" netns $C
	ip -n $C link set "$nic" name vd1 up
}

# set_qdisc DEV KIND
set_qdisc()
{
	case $2 in
	htb)
		tc qdisc replace dev "$1" root handle 1: htb default 1 &&
		tc class add dev "$1" parent 1: classid 1:1 htb rate 1gbit quantum 1514
		;;
	*) tc qdisc replace dev "$1" root "$2" ;;
	esac
}

# one_case SOURCE LOCAL REMOTE PER_PING DEST QDISC
one_case()
{
	local src=$1 lip=$2 rip=$3 per=$4 dst=$5 q=$6
	local name="$src -> $dst, $q on both" why="" want got s0 err

	if [ "$dst" = gretap ]; then
		dst=gt0
		ip link add gt0 type gretap local "$lip" remote "$rip"
		ip -n $B link add gt1 type gretap local "$rip" remote "$lip"
		ip link set gt0 up
		ip -n $B link set gt1 up
	fi
	set_qdisc "$src" "$q" && set_qdisc "$dst" "$q" ||
		why="cannot set $q"
	err=$( (echo "$dst" > "/sys/class/net/$src/mirror_to") 2>&1)
	[ -z "$err" ] || why="write $dst to $src: ${err##*: }"

	s0=$(stat_of "$dst" tx_packets)
	want=$((s0 + per * N))
	ping -q -c $N -i 0.01 -W 2 "$rip" | all_answered || why+=" pings lost"
	got=$(wait_stat "$dst" tx_packets "$want")
	[ "$got" = "$want" ] ||
		why+=" $dst sent $((got - s0)) copies, want $((want - s0))"
	lockdep_on || why+=" lockdep reported"

	echo "-$dst" > "/sys/class/net/$src/mirror_to"
	tc qdisc del dev "$src" root 2> /dev/null
	tc qdisc del dev "$dst" root 2> /dev/null
	if [ "$dst" = gt0 ]; then
		ip link del gt0
		ip -n $B link del gt1
	fi
	result "$name" "$([ -z "$why" ]; echo $?)" "$why"
}

cleanup()
{
	local d

	for d in sv0 sq0 sbp sb sbrp sbr smvl dv0 dq0 dbp db dbrp dbr dmvl; do
		ip link del "$d" 2> /dev/null
	done
	ip netns del $B 2> /dev/null
	ip netns del $C 2> /dev/null
}

trap cleanup EXIT
setup || { result "topology matrix: setup" 1; exit 1; }

i=0
for s in "${SOURCES[@]}"; do
	set -- $s
	for d in "${DESTS[@]}"; do
		if [ ! -e "/sys/class/net/$1" ] ||
		   { [ "$d" != gretap ] && [ ! -e "/sys/class/net/$d" ]; }; then
			printf 'TEST: %-72s [SKIP]\n' "$1 -> $d: no virtio-net NICs"
			continue
		fi
		one_case "$@" "$d" "${QDISCS[i++ % ${#QDISCS[@]}]}"
	done
done
[ $failures = 0 ]
