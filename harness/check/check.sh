#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check: build the test kernels (CONFIG_NET_MIRROR=y, and =m on the
# debug kernel: kernel.sh), run the selftest on =y and on the debug
# kernel, the hardening tests (harness/hardening/run.sh) on the debug
# kernel, scan the debug consoles for splats, run the upstream gates
# (gates.sh), and end with "N passed, N failed".
#
# Two cores are the budget. The debug VMs are the longest stage, so the
# debug kernel is built first and its two VMs (the selftest; the
# hardening tests) boot as soon as it is ready; the =y kernel, its VM and
# the gates' builds run beside them. Every stage's time is printed at the
# end.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
selftest=build/linux/tools/testing/selftests/net
# make check runs everything, whatever the environment holds; make test
# (--test [MODES]) is the reduced loop: no gates, and only the kernels
# named (MODES=y: without the debug run)
modes="m y" gates=1
if [ "${1:-}" = --test ]; then
	gates=0
	modes=${2:-"m y"}
fi
times=build/check-times
t_start=$SECONDS

# What KASAN, lockdep, RCU, kmemleak, the refcount trackers and the
# watchdogs print when they find something; a packet tap seeing a bad
# header, a tunnel's recursion guard, and any message of level crit or
# worse (vm-init lists them at the end)
SPLATS='BUG:|WARNING:|Oops|Kernel panic|Call Trace:|suspicious RCU|unreferenced object 0x|to become free|ref_tracker|blocked for more than|detected stall|detected expedited stall|NOHZ tick-stop error|printk messages dropped|huh, entered softirq|is buggy|Dead loop|kernel-crit: '

pass=0 fail=0 skip=0
failed=()
result() {
	case $1 in
	pass) pass=$((pass + 1)) ;;
	fail) fail=$((fail + 1)); failed+=("$2") ;;
	skip) skip=$((skip + 1)) ;;
	esac
	printf 'check: %-4s %s\n' "$1" "$2"
}

# timed NAME CMD...: run CMD, and note how long it took
timed() {
	local name=$1 t0=$SECONDS rc

	shift
	"$@"
	rc=$?
	echo "$name|$((SECONDS - t0))" >> "$times"
	return $rc
}

summary() {
	local s="$pass passed, $fail failed" name sec

	[ $skip -gt 0 ] && s+=", $skip skipped"
	echo "== time per stage (stages marked & ran beside the others)"
	while IFS='|' read -r name sec; do
		printf '%-58s %3dm%02ds\n' "$name" $((sec / 60)) $((sec % 60))
	done < "$times"
	sec=$((SECONDS - t_start))
	printf '%-58s %3dm%02ds\n' "make check" $((sec / 60)) $((sec % 60))
	# Last, where a log's tail shows them: what failed, and why the
	# VMs' cases said they failed
	if [ $fail -gt 0 ]; then
		echo "== failed"
		printf 'check: fail %s\n' "${failed[@]}"
		grep -a -h -A3 '\[FAIL\]' build/vm-*.log 2> /dev/null | head -40
	fi
	echo "$s"
	[ $fail -eq 0 ] && [ $pass -gt 0 ]
	exit
}

# selftest_results NAME LOG RC: one result per case the log reports
selftest_results() {
	local name=$1 log=$2 rc=$3 line case

	while IFS= read -r line; do
		case=$(printf '%s' "$line" | sed 's/^TEST: \(.*[^ ]\) *\[.*/\1/')
		case $line in
		*'[ OK ]') result pass "$name: $case" ;;
		*'[SKIP]') result skip "$name: $case" ;;
		*) result fail "$name: $case" ;;
		esac
	done < <(grep -a '^TEST: ' "$log")
	grep -aq '^TEST: ' "$log" || result fail "$name: no case ran"
	# A VM that died, or a script that failed outside a case; 4 is
	# kselftest's "some cases skipped", which they report themselves
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ] && ! grep -aq '\[FAIL\]' "$log"; then
		result fail "$name: exited with $rc (log: $log)"
	fi
}

# manifest_check NAME VM LOG: the cases harness/check/expected/VM lists were
# all reported, each as it lists them (ok: must run and pass; skip: the
# kernel lacks the feature), and no other. A case dropped by a script
# that stopped early, or skipped where it must run, fails here.
manifest_check() {
	local name=$1 want=harness/check/expected/$2 log=$3 got line outcome case

	[ -f "$want" ] || { result fail "$name: no manifest $want"; return; }
	got=$(grep -a '^TEST: ' "$log" |
		sed 's/^TEST: \(.*[^ ]\) *\[ *\([A-Z]*\) *\]$/\2 \1/' |
		sed 's/^OK /ok /; s/^SKIP /skip /; s/^FAIL /fail /')
	while IFS= read -r line; do
		outcome=${line%% *} case=${line#* }
		case $outcome in ''|'#'*) continue ;; esac
		if ! grep -qxF -- "$case" <<< "$(cut -d' ' -f2- <<< "$got")"; then
			result fail "$name: $case: not reported"
		elif [ "$outcome" = ok ] && grep -qxF -- "skip $case" <<< "$got"; then
			result fail "$name: $case: skipped, but must run here"
		fi
	done < "$want"
	while IFS= read -r case; do
		cut -d' ' -f2- "$want" | grep -qxF -- "$case" ||
			result fail "$name: $case: reported, but not in $want"
	done < <(cut -d' ' -f2- <<< "$got")
}

# splat_scan NAME CONSOLE: the checkers report on the console, and
# kmemleak's report is there too; =y's too, for what is not a WARN
splat_scan() {
	local splats

	splats=$(grep -av '^TEST: ' "$2" | grep -aE "$SPLATS" | head -5)
	# A run that did not reach its end was not scanned whole
	grep -aq '^mirror-vm: exit status' "$2" ||
		splats+=" (the run did not finish)"
	if [ -z "$splats" ]; then
		result pass "$1: the console has no splat"
	else
		result fail "$1: the console ($2): $splats"
	fi
}

# vm_start NAME VAR=VALUE... -- VM_ARGS...: boot a VM in the background,
# its output in build/NAME.log, its status and time in build/NAME.rc, and
# the second at which each case ended in build/NAME.times
vm_start() {
	local name=$1 env=()

	shift
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	(
		t0=$SECONDS
		env "${env[@]}" harness/vm/vm.sh "$@" 2>&1 |
			while IFS= read -r line || [ -n "$line" ]; do
				printf '%s\n' "$line"
				[[ $line == 'TEST: '* ]] &&
					printf '%5d %s\n' $((SECONDS - t0)) "$line" >&3
			done > "build/$name.log" 3> "build/$name.times"
		echo "${PIPESTATUS[0]} $((SECONDS - t0))" > "build/$name.rc"
	) &
	vms+=("$name")
}

rm -f "$times" build/vm-*.rc build/vm-*.log
vms=()
built=""

timed "assemble build/linux" harness/series/tree.sh ||
	{ result fail "assemble build/linux"; summary; }

# The VMs' ip: without it the netlink cases would skip, which the
# manifest refuses, so a series that does not apply or build fails here
if timed "build ip (iproute2 series)" harness/series/iproute2.sh; then
	result pass "the iproute2 series applies and builds"
else
	result fail "the iproute2 series applies and builds"
fi

for mode in $modes; do
	if ! timed "build =$mode$([ "$mode" = m ] && echo ' (debug kernel)')" \
		harness/kernels/kernel.sh "$mode"; then
		result fail "builds with CONFIG_NET_MIRROR=$mode"
		continue
	fi
	# The gates' build gate for this mode, which they then skip
	result pass "builds with CONFIG_NET_MIRROR=$mode"
	built+=" $mode"
	case $mode in
	m)
		# The selftest is sequential, and on the debug kernel ran at
		# 47 s a case on one CPU against 81 s on two (both beside
		# the gates' builds): one; the hardening tests, which race
		# the CPUs, get two
		# Timeouts twice the longest run measured (28 min)
		vm_start vm-m-selftest VM_CPUS=1 VM_PANIC_ON_WARN=0 VM_TIMEOUT=3600 \
			VM_CONSOLE=build/obj-m/console-selftest.log -- build/obj-m \
			"$top/harness/hardening/run.sh" selftest "$top/$selftest"
		vm_start vm-m-hardening VM_NICS=1 VM_PANIC_ON_WARN=0 VM_TIMEOUT=3600 \
			VM_CONSOLE=build/obj-m/console-hardening.log -- build/obj-m \
			"$top/harness/hardening/run.sh" hardening ;;
	y)
		vm_start vm-y VM_TIMEOUT=1200 -- build/obj-y \
			sh -c "cd $selftest && ./mirror.sh" ;;
	esac
done

# checkpatch, kernel-doc, rst, sparse, W=1, =n, and every prefix, beside
# the VMs; make test leaves them out. Every gate must report (gates.sh
# prints each one's time when it is done), and gates.sh's status must
# agree with what they reported.
if [ $gates = 1 ]; then
	# Niced: the VMs, each on one thread, come first, and the builds,
	# which use both cores, fill the time they leave
	GATES= BUILT=$built nice -n 10 harness/check/gates.sh > build/gates.log 2>&1
	grc=$?
	gfail=0
	while IFS= read -r line; do
		case $line in
		'gate: pass '*) result pass "${line#gate: pass }" ;;
		'gate: fail '*) result fail "${line#gate: fail }"; gfail=1 ;;
		'time: '*) echo "${line#time: }" >> "$times" ;;
		*) echo "$line" ;;
		esac
	done < build/gates.log
	for g in series checkpatch kernel-doc rst abi spec sparse build bisect; do
		grep -q "^time: gate $g|" build/gates.log ||
			result fail "gate $g did not report (build/gates.log)"
	done
	[ "$grc" = "$gfail" ] ||
		result fail "gates.sh exited with $grc (build/gates.log)"
	# The =n kernel, which the build gate built on the test config
	grep -q '^gate: pass builds with CONFIG_NET_MIRROR=n$' build/gates.log &&
		vm_start vm-n -- build/gate-n/obj "$top/harness/check/nomirror.sh"
fi

wait
for name in "${vms[@]}"; do
	read -r rc sec < "build/$name.rc" || { rc=1 sec=0; }
	echo "& VM ${name#vm-}|$sec" >> "$times"
	echo "== $name (build/$name.log)"
	cat "build/$name.log"
	case $name in
	vm-y)
		selftest_results "=y" "build/$name.log" "$rc"
		manifest_check "=y" "$name" "build/$name.log"
		splat_scan "=y" build/obj-y/console.log ;;
	vm-n)
		selftest_results "=n" "build/$name.log" "$rc"
		manifest_check "=n" "$name" "build/$name.log"
		splat_scan "=n" build/gate-n/obj/console.log ;;
	vm-m-*)
		selftest_results "=m" "build/$name.log" "$rc"
		manifest_check "=m" "$name" "build/$name.log"
		splat_scan "=m ${name#vm-m-}" "build/obj-m/console-${name#vm-m-}.log" ;;
	esac
done

cp build/obj-y/arch/x86/boot/bzImage build/bzImage 2> /dev/null
cp build/obj-m/arch/x86/boot/bzImage build/bzImage-m 2> /dev/null
summary
