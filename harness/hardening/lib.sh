# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers of the hardening tests (run in the debug VM by run.sh). Results
# are printed as kselftest's "TEST: name [ OK ]" lines, which check.sh
# counts. The init netns holds the devices under test; peers live in
# named namespaces.

failures=0

# result NAME OK [WHY]: one case; OK is 0 for a pass
result()
{
	if [ "$2" = 0 ]; then
		printf 'TEST: %-72s [ OK ]\n' "$1"
	else
		printf 'TEST: %-72s [FAIL]\n' "$1"
		[ -z "${3:-}" ] || printf '\t%s\n' "$3"
		failures=$((failures + 1))
	fi
}

# lockdep turns itself off after its first report
lockdep_on()
{
	[ ! -e /proc/lockdep_stats ] ||
		grep -q 'debug_locks: *1$' /proc/lockdep_stats
}

# all_answered: ping -q's summary on stdin says that every request was
# answered; ping's own status is 0 if any was
all_answered()
{
	grep -q ', 0% packet loss'
}

stat_of()
{
	cat "/sys/class/net/$1/statistics/$2" 2> /dev/null || echo 0
}

# wait_stat DEV STAT WANT: wait up to 5 s for the counter to reach WANT,
# then a moment more so that overshoot shows; prints the final value
wait_stat()
{
	local dev=$1 stat=$2 want=$3 i

	for ((i = 0; i < 50; i++)); do
		[ "$(stat_of "$dev" "$stat")" -ge "$want" ] && break
		sleep 0.1
	done
	sleep 0.3
	stat_of "$dev" "$stat"
}

quiet_ns()
{
	local ns

	for ns in "$@"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
}

# static_neigh NS1 DEV1 IP1 NS2 DEV2 IP2: each end knows the other's MAC,
# so no ARP runs and every count is exact ("" is the init netns)
static_neigh()
{
	local ns1=$1 dev1=$2 ip1=$3 ns2=$4 dev2=$5 ip2=$6 m1 m2

	m1=$(ip ${ns1:+-n "$ns1"} -br link show dev "$dev1" | awk '{print $3}')
	m2=$(ip ${ns2:+-n "$ns2"} -br link show dev "$dev2" | awk '{print $3}')
	ip ${ns1:+-n "$ns1"} neigh replace "$ip2" lladdr "$m2" dev "$dev1" nud permanent
	ip ${ns2:+-n "$ns2"} neigh replace "$ip1" lladdr "$m1" dev "$dev2" nud permanent
}
