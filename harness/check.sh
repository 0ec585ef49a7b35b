#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check: build the test kernels (CONFIG_NET_MIRROR=y, and =m on the
# debug kernel: kernel.sh), run the selftest on =y and, at the same time,
# the selftest and the hardening tests (harness/hardening/run.sh) on the
# debug kernel, scan its console for splats, run the upstream gates
# (gates.sh), and end with "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
selftest=build/linux/tools/testing/selftests/net
modes=${MODES:-"y m"}	# MODES=y: the quick loop, without the debug run

# What KASAN, lockdep, RCU, kmemleak, the refcount trackers and the
# watchdogs print when they find something
SPLATS='BUG:|WARNING:|Oops|Kernel panic|Call Trace:|suspicious RCU|unreferenced object 0x|to become free|ref_tracker|blocked for more than|detected stall'

pass=0 fail=0 skip=0
result() {
	case $1 in
	pass) pass=$((pass + 1)) ;;
	fail) fail=$((fail + 1)) ;;
	skip) skip=$((skip + 1)) ;;
	esac
	printf 'check: %-4s %s\n' "$1" "$2"
}

summary() {
	local s="$pass passed, $fail failed"
	[ $skip -gt 0 ] && s+=", $skip skipped"
	echo "$s"
	[ $fail -eq 0 ] && [ $pass -gt 0 ]
	exit
}

# selftest_results MODE LOG RC: one result per case the log reports
selftest_results() {
	local mode=$1 log=$2 rc=$3 line name

	while IFS= read -r line; do
		name=$(printf '%s' "$line" | sed 's/^TEST: \(.*[^ ]\) *\[.*/\1/')
		case $line in
		*'[ OK ]') result pass "=$mode: $name" ;;
		*'[SKIP]') result skip "=$mode: $name" ;;
		*) result fail "=$mode: $name" ;;
		esac
	done < <(grep -a '^TEST: ' "$log")
	grep -aq '^TEST: ' "$log" || result fail "=$mode: no case ran"
	# A VM that died, or a script that failed outside a case; 4 is
	# kselftest's "some cases skipped", which they report themselves
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ] && ! grep -aq '\[FAIL\]' "$log"; then
		result fail "=$mode: mirror.sh exited with $rc (console: build/obj-$mode/console.log)"
	fi
}

harness/tree.sh || { result fail "assemble build/linux"; summary; }

built=""
for mode in $modes; do
	if harness/kernel.sh "$mode"; then
		built+=" $mode"
	else
		result fail "build with CONFIG_NET_MIRROR=$mode"
	fi
done

# TCG runs a VM's shell work on about one core: two VMs take the time of
# one. The debug VM goes on past a WARN: its console is scanned instead.
for mode in $built; do
	case $mode in
	y) harness/vm.sh build/obj-y sh -c "cd $selftest && ./mirror.sh" ;;
	m) VM_NICS=1 VM_PANIC_ON_WARN=0 harness/vm.sh build/obj-m \
		"$top/harness/hardening/run.sh" "$top/$selftest" ;;
	esac > "build/obj-$mode/selftest.log" 2>&1 &
	eval "pid_$mode=$!"
done
for mode in $built; do
	eval "wait \$pid_$mode"
	rc=$?
	log=build/obj-$mode/selftest.log
	echo "== CONFIG_NET_MIRROR=$mode$([ $mode = m ] && echo ', debug kernel')"
	cat "$log"
	selftest_results "$mode" "$log" "$rc"
	[ $mode = m ] || continue
	# The checkers report on the console; kmemleak's report is there too
	splats=$(grep -av '^TEST: ' build/obj-m/console.log | grep -aE "$SPLATS" | head -5)
	# A run that did not reach its end was not scanned whole
	grep -aq '^mirror-vm: exit status' build/obj-m/console.log ||
		splats+=" (the debug run did not finish)"
	if [ -z "$splats" ]; then
		result pass "=m: debug kernel's console has no splat"
	else
		result fail "=m: debug kernel's console (build/obj-m/console.log): $splats"
	fi
done

# checkpatch, kernel-doc, rst, sparse, W=1, =n, and every prefix;
# make test leaves them out
[ "${SKIP_GATES:-0}" = 1 ] || while IFS= read -r line; do
	case $line in
	'gate: pass '*) result pass "${line#gate: pass }" ;;
	'gate: fail '*) result fail "${line#gate: fail }" ;;
	*) echo "$line" ;;
	esac
done < <(harness/gates.sh 2>&1)

cp build/obj-y/arch/x86/boot/bzImage build/bzImage 2> /dev/null
cp build/obj-m/arch/x86/boot/bzImage build/bzImage-m 2> /dev/null
summary
