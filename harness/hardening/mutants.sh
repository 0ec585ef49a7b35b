#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mutants.sh: show that the debug run's checkers catch the bugs they are
# there for. Each mutant is net/core/mirror.c with one bug put in, built
# into build/obj-mutant (a copy of the debug kernel's objects, so only
# mirror.ko recompiles) and booted on a script that triggers the bug; the
# console must then show what check.sh fails on. build/linux is restored
# after each. Not part of make check (about 2 minutes per mutant).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
src=build/linux/net/core/mirror.c
obj=build/obj-mutant
splats=$(sed -n "s/^SPLATS='\(.*\)'$/\1/p" harness/check/check.sh)
pass=0 fail=0

# The triggers, run in the VM
boot()
{
	local what=$1

	cat > build/mutant-guest.sh <<GUEST
#!/bin/bash
quiet() { sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1; }
quiet
for d in s0 d0; do ip link add \$d type dummy; ip link set \$d up; done
case $what in
leak)
	for i in 1 2 3; do echo d0 > /sys/class/net/s0/mirror_to; echo -d0 > /sys/class/net/s0/mirror_to; done
	mount -t debugfs none /sys/kernel/debug; sleep 5
	echo scan > /sys/kernel/debug/kmemleak; sleep 5; echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak ;;
ref)
	echo d0 > /sys/class/net/s0/mirror_to; echo -d0 > /sys/class/net/s0/mirror_to
	ip link del d0 ;;	# never returns: the VM times out
rcu)
	# pktgen's queue_xmit holds no rcu_read_lock() around the transmit,
	# unlike the stack's own senders
	echo d0 > /sys/class/net/s0/mirror_to
	echo "add_device s0" > /proc/net/pktgen/kpktgend_0
	echo "count 10" > /proc/net/pktgen/s0
	echo "xmit_mode queue_xmit" > /proc/net/pktgen/s0
	echo start > /proc/net/pktgen/pgctrl ;;
lock)
	ip link set "\$(ip -br link | awk '\$3 == "52:54:00:12:00:00" {print \$1}')" name vs0 up
	ip link set "\$(ip -br link | awk '\$3 == "52:54:00:12:00:02" {print \$1}')" name vd0 up
	ip addr add 10.1.6.1/24 dev vs0
	echo vd0 > /sys/class/net/vs0/mirror_to
	ping -c 3 -W 1 10.1.6.2 ;;
esac
true
GUEST
	chmod +x build/mutant-guest.sh
	VM_TIMEOUT=${2:-300} VM_NICS=1 VM_PANIC_ON_WARN=0 \
		harness/vm/vm.sh "$obj" "$top/build/mutant-guest.sh" > /dev/null 2>&1
}

# mutant NAME WHAT SED TRIGGER [TIMEOUT]: the bug SED adds must show as
# WHAT on the console
mutant()
{
	local name=$1 want=$2 sed=$3 trigger=$4 found

	want_mutant "$name" || return 0
	cp "$src" build/mirror.c.orig
	sed -i "$sed" "$src"
	if cmp -s "$src" build/mirror.c.orig; then
		echo "mutants: $name: the edit did not apply"; fail=$((fail + 1))
		return
	fi
	harness/kernels/build.sh "${obj#build/obj-}" harness/kernels/config/vm.config \
		harness/kernels/config/debug.config harness/kernels/config/mirror-m.config > /dev/null
	cp build/mirror.c.orig "$src"
	touch -r "$top/net/core/mirror.c" "$src"
	boot "$trigger" "${5:-300}"
	found=$(grep -aE "$splats" $obj/console.log | grep -aE "$want" | head -1)
	if [ -n "$found" ]; then
		echo "mutants: caught $name: $found"; pass=$((pass + 1))
	else
		echo "mutants: MISSED $name (console: $obj/console.log)"; fail=$((fail + 1))
	fi
}

# mutants.sh [NAME-WORD...]: only the mutants whose name has one of them
only=" $* "
want_mutant()
{
	local w

	[ "$only" = "  " ] && return 0
	for w in $only; do
		[[ $1 == *"$w"* ]] && return 0
	done
	return 1
}

trap 'cp build/mirror.c.orig "$src" 2> /dev/null' EXIT
[ -d $obj ] || cp -a build/obj-m $obj

mutant "array never freed" "unreferenced object" \
	's/^\t\tkfree_rcu(old, rcu);$/\t\t;/' leak
mutant "destination reference not dropped on removal" "to become free|ref_tracker" \
	's/^\tnetdev_put(old->dest\[i\].dev, &old->dest\[i\].tracker);$/\t;/' ref 90
mutant "probe reads dev->mirror outside RCU-sched" "suspicious RCU" \
	's/rcu_dereference_sched(dev->mirror)/rcu_dereference(dev->mirror)/' rcu
mutant "copies under a source's TX lock not deferred" "recursive locking|circular locking" \
	's/defer = mirror_must_defer(skb, dev);/defer = false;/' lock
echo "mutants: $pass caught, $fail missed"
[ $fail = 0 ]
