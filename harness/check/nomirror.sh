#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run in a VM of the CONFIG_NET_MIRROR=n kernel (make check boots the =n
# gate's build): no attribute, no module and no netlink attribute of port
# mirroring, and a request for one refused. Prints kselftest's TEST: lines.
set -uo pipefail

# result NAME OK: one TEST: line, and the exit status to end with
rc=0
result() {
	if [ "$2" = 0 ]; then
		printf 'TEST: %-60s  [ OK ]\n' "$1"
	else
		printf 'TEST: %-60s  [FAIL]\n' "$1"
		rc=1
	fi
}

ip link add a0 type dummy && ip link add b0 type dummy && ip link set a0 up ||
	{ echo "nomirror: no dummy devices"; exit 1; }

n=$(ls /sys/class/net | wc -l)
found=$(ls /sys/class/net/*/mirror_to 2> /dev/null)
echo "nomirror: $n devices, mirror_to on: ${found:-none}"
[ "$n" -ge 3 ] && [ -z "$found" ]
result "=n: no device has a mirror_to attribute" $?

out=$(modprobe -n -v mirror 2>&1)
echo "nomirror: modprobe -n mirror: $out"
! modinfo mirror > /dev/null 2>&1 && ! grep -qw mirror /proc/modules
result "=n: no mirror module" $?

out=$(ip link set dev a0 mirror add b0 2>&1)
echo "nomirror: ip link set dev a0 mirror add b0: $out"
[[ $out == *"Port mirroring not supported"* ]]
result "=n: a netlink mirror request is refused: not supported" $?

out=$(ip -d -s link show dev a0)
! grep -q mirror <<< "$out" && grep -q 'a0:' <<< "$out"
result "=n: ip -d -s link show lists no mirror" $?

exit $rc
