#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check: build the test kernels (CONFIG_NET_MIRROR=y and =m), run the
# selftest in the VM on each, and end with "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
cfg=harness/config
selftest=build/linux/tools/testing/selftests/net

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

harness/tree.sh || { result fail "assemble build/linux"; summary; }

for mode in y m; do
	if ! harness/build.sh "$mode" $cfg/vm.config $cfg/mirror-$mode.config; then
		result fail "build with CONFIG_NET_MIRROR=$mode"
		continue
	fi
	out=build/obj-$mode/selftest.log
	harness/vm.sh "build/obj-$mode" sh -c "cd $selftest && ./mirror.sh" |
		tee "$out"
	rc=${PIPESTATUS[0]}
	while IFS= read -r line; do
		name=$(printf '%s' "$line" | sed 's/^TEST: \(.*[^ ]\) *\[.*/\1/')
		case $line in
		*'[ OK ]') result pass "=$mode: $name" ;;
		*'[SKIP]') result skip "=$mode: $name" ;;
		*) result fail "=$mode: $name" ;;
		esac
	done < <(grep -a '^TEST: ' "$out")
	grep -aq '^TEST: ' "$out" || result fail "=$mode: no case ran"
	# A VM that died, or a script that failed outside a case; 4 is
	# kselftest's "some cases skipped", which they report themselves
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ] && ! grep -aq '\[FAIL\]' "$out"; then
		result fail "=$mode: mirror.sh exited with $rc (console: build/obj-$mode/console.log)"
	fi
done

cp build/obj-y/arch/x86/boot/bzImage build/bzImage 2> /dev/null
cp build/obj-m/arch/x86/boot/bzImage build/bzImage-m 2> /dev/null
summary
