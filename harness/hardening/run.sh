#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh selftest SELFTEST_DIR | run.sh hardening: a debug VM's run
# (check.sh boots two at once on the debug kernel, the second with
# VM_NICS=1): the selftest, or the topology matrix, the datapath cases,
# the input fuzz and the stress test; each then a kmemleak scan. The
# host scans the consoles for splats afterwards (check.sh).
here=$(cd "$(dirname "$0")" && pwd)
kmemleak=/sys/kernel/debug/kmemleak
rc=0

mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
# Scan at the end only: a scan of guest memory under TCG takes minutes
# of a CPU. What boot left unreferenced would be reported too ("clear"
# forgets only what a scan reported): none has been so far.
[ -e $kmemleak ] && echo scan=off > $kmemleak

step()
{
	local t0=$SECONDS

	echo "== $*"
	"$@"
	# 4: kselftest's "some cases skipped", which they report themselves
	case $? in 0|4) ;; *) rc=1 ;; esac
	echo "== $1: $((SECONDS - t0)) s"
}

case $1 in
selftest)
	step bash -c "cd '$2' && ./mirror.sh" ;;
hardening)
	step "$here/topology.sh"
	step "$here/datapath.sh"
	step "$here/fuzz.py"
	step "$here/stress.sh" "${STRESS_SECONDS:-60}" ;;
*)
	echo "run.sh: selftest DIR or hardening" >&2
	exit 2 ;;
esac

# Once nothing mirrors, the module unloads (stress.sh may have unloaded
# it already)
if [ -e /proc/modules ]; then
	why=""
	# Namespaces the run deleted, and the mirrors of their devices,
	# go away in the background: wait for that
	for ((i = 0; i < 60; i++)); do
		[ -d /sys/module/mirror ] || break
		rmmod mirror 2> /dev/null || sleep 1
	done
	[ -d /sys/module/mirror ] && why="rmmod failed for 60 s"
	printf 'TEST: %-72s [%s]\n' "the module unloads after the $1 run" \
		"$([ -z "$why" ] && echo ' OK ' || echo FAIL)"
	[ -z "$why" ] || { echo "	$why"; rc=1; }
fi
if [ -e $kmemleak ]; then
	# Objects freed by RCU callbacks and deferred work must be gone
	# first; kmemleak needs two scans to call an object leaked
	sleep 5
	# A scan that did not run finds nothing: count that as a failure
	if echo scan > $kmemleak && sleep 5 && echo scan > $kmemleak; then
		leaks=$(grep -c '^unreferenced object' $kmemleak)
		cat $kmemleak
	else
		leaks="no scan"
	fi
	printf 'TEST: %-72s [%s]\n' "kmemleak: no unreferenced object after the $1 run" \
		"$([ "$leaks" = 0 ] && echo ' OK ' || echo FAIL)"
	[ "$leaks" = 0 ] || rc=1
fi
exit $rc
