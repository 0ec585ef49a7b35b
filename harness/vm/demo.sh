#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The `make run` demo, inside the VM: eth0 talks to a peer; everything it
# sends and receives is mirrored to eth1, whose far end is a collector
# running tcpdump; last, to the collector's address through ERSPAN.
set -e

# run 'COMMAND': show it, then run it
run() { printf '\n\033[1m# %s\033[0m\n' "$1"; eval "$1"; }

# collect DEV COUNT: tcpdump on the collector's DEV for COUNT pings'
# frames, in the background, once it listens
collect() {
	rm -f /tmp/tcpdump.err
	run "ip netns exec collector tcpdump -l -e -n -i $1 -c $2 icmp 2> /tmp/tcpdump.err &"
	until grep -q listening /tmp/tcpdump.err 2> /dev/null; do sleep 0.1; done
}

ip netns add peer
ip netns add collector
ip link add eth0 type veth peer name eth0 netns peer
ip link add eth1 type veth peer name mon0 netns collector
ip addr add 192.0.2.1/24 dev eth0
ip -n peer addr add 192.0.2.2/24 dev eth0
ip link set eth0 up
ip link set eth1 up
ip -n peer link set eth0 up
ip -n collector link set mon0 up
echo "eth0 (192.0.2.1) <-> peer (192.0.2.2); eth1 <-> collector's mon0"

run 'echo eth1 > /sys/class/net/eth0/mirror_to'
run 'cat /sys/class/net/eth0/mirror_to'

collect mon0 8
run 'ping -c 4 -i 0.2 192.0.2.2'
wait

run 'echo -eth1 > /sys/class/net/eth0/mirror_to'
run 'cat /sys/class/net/eth0/mirror_to'
run 'ip -s link show eth1'

# The same table through rtnetlink, with options and counters
if ip link help 2>&1 | grep -q 'mirror {'; then
	run 'ip link set dev eth0 mirror add eth1 direction tx snaplen 128'
	collect mon0 4
	run 'ping -c 4 -i 0.2 -s 1000 192.0.2.2'
	wait
	run 'ip -s -d link show eth0'
	# At most 2 copies a second, at the lowest band of a prio qdisc
	run 'ip link set dev eth0 mirror change eth1 direction both rate 2 burst 1 priority 1'
	run 'ping -c 10 -i 0.1 -q 192.0.2.2'
	run 'ip -s -d link show eth0'
	run 'ip link set dev eth0 mirror del eth1'

	# A session to the collector's address, through one external
	# ERSPAN device; the collector's own external device decapsulates
	ip addr add 198.51.100.1/24 dev eth1
	ip -n collector addr add 198.51.100.2/24 dev mon0
	ip -n collector link add span1 type erspan external
	ip -n collector link set span1 up
	run 'ip link add span0 type erspan external'
	run 'ip link set span0 up'
	run 'ip link set dev eth0 mirror add span0 remote 198.51.100.2 id 100 erspan_ver 2'
	collect span1 4
	run 'ping -c 2 -i 0.2 192.0.2.2'
	wait
	run 'ip -s -d link show eth0'
fi
