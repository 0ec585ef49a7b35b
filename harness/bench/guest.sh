#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# guest.sh KERNEL ROUND|queues COUNT [FLOOR_KO [ROWS]]: inside the
# VM, measure pktgen's rate on dummy0 (and the other sources below) for
# every configuration this kernel can show, both paths, and print per
# configuration and path "RESULT KERNEL CONFIG PATH PPS" and, where
# copies are made, "COPIES KERNEL CONFIG PATH GOT WANT": the copies the
# destinations sent against those due (a row whose copies did not all
# arrive is invalid, not fast).
#
# Paths: tx is pktgen's queue_xmit (dev_queue_xmit on dummy0), rx its
# netif_receive (netif_receive_skb on dummy0). 64-byte frames unless a
# row says otherwise. The rows run in an order rotated by ROUND, so that
# none is always measured first or after another's devices came and went.
# "queues" instead of a round: only row_queues and row_load, which need
# two CPUs (the icount VM has one). ROWS: only those of this kernel's
# rows that it names (row_gso ...), to compare two kernels on a few
# quickly.
set -eu

kernel=$1
round=${2:-1}
count=$3		# frames per run
floor_ko=${4:-}
pgctl=/proc/net/pktgen
here=$(dirname "$0")

pg() { echo "$2" > "$pgctl/$1"; }

# dummyN up, no qdisc of its own
dummies() {
	local i

	for i in "$@"; do
		ip link add "dummy$i" type dummy 2> /dev/null || true
		ip link set "dummy$i" up
	done
}

# run MODE COUNT: pktgen on PG_DEV (dummy0), frames of SIZE + 4 bytes
# (60: 64) to its own MAC, or DST_MAC; prints the rate
run() {
	local dev=${PG_DEV:-dummy0}

	pg kpktgend_0 rem_device_all
	pg kpktgend_0 "add_device $dev"
	pg "$dev" "count $2"
	pg "$dev" "pkt_size ${SIZE:-60}"
	pg "$dev" "xmit_mode $1"
	pg "$dev" "dst_mac ${DST_MAC:-$(cat "/sys/class/net/$dev/address")}"
	[ -z "${PG_FLAG:-}" ] || pg "$dev" "flag $PG_FLAG"
	pg pgctrl start
	sed -n 's/^ *\([0-9]*\)pps.*/\1/p' "$pgctl/$dev"
}

# sent DEV...: packets the devices sent, together
sent() {
	local d n=0

	for d in "$@"; do
		n=$((n + $(cat "/sys/class/net/$d/statistics/tx_packets")))
	done
	echo $n
}

# entry_sum: ENTRY_SUM (a jq expression of counters, ".packets +
# .skipped") of dummy0's entry for dummy1
entry_sum() {
	ip -s -d -j link show dev dummy0 |
		jq "[.[0].mirror_to[] | select(.ifname == \"dummy1\") |
		     .stats | $ENTRY_SUM] | add"
}

# measure CONFIG [TX_PER RX_PER DEST...]: rates on PG_DEV in both modes;
# with destinations, the copies they sent, TX_PER (RX_PER) due per frame
# sent (received; a device that can refuse frames, one not dummy0, is
# asked how many it sent). With OFFERED, a peer on the source's egress
# hook, which copies each frame pktgen offers before the qdisc may refuse
# it: pktgen offers a frame its qdisc refused again, and counts it as an
# error (its result's, the last "errors:"), so copies are due per frame
# sent and error. With ENTRY_SUM, the frames dummy0's entry
# accounted for (copied, skipped, over the rate) against those sent;
# with COPY_BYTES, the bytes dummy1 sent against COPY_BYTES a copy.
# bench.sh runs the VM under icount, where translating code costs the
# guest no time: no warm-up run is needed.
measure() {
	local config=$1 mode path pps per before frames src=${PG_DEV:-dummy0}
	local e b

	for mode in queue_xmit netif_receive; do
		path=tx per=${2:-}
		[ $mode = netif_receive ] && path=rx per=${3:-}
		[ -z "$per" ] || before=$(sent "${@:4}")
		[ -z "${ENTRY_SUM:-}" ] || e=$(entry_sum)
		[ -z "${COPY_BYTES:-}" ] || b=$(cat /sys/class/net/dummy1/statistics/tx_bytes)
		frames=$(sent "$src")
		pps=$(run $mode "$count")
		frames=$(($(sent "$src") - frames))
		[ $path = tx ] && [ "$src" != dummy0 ] || frames=$count
		[ $path = rx ] || [ -z "${OFFERED:-}" ] ||
			frames=$((count + $(sed -n 's/.*errors: \([0-9]*\).*/\1/p' \
				"$pgctl/$src" | tail -n 1 | grep . || echo 0)))
		echo "RESULT $kernel $config $path $pps"
		[ -z "$per" ] ||
			echo "COPIES $kernel $config $path $(($(sent "${@:4}") - before)) $((per * frames))"
		[ -z "${ENTRY_SUM:-}" ] ||
			echo "COPIES $kernel $config $path $(($(entry_sum) - e)) $frames"
		[ -z "${COPY_BYTES:-}" ] ||
			echo "COPIES $kernel $config/bytes $path $(($(cat \
				/sys/class/net/dummy1/statistics/tx_bytes) - b)) $((COPY_BYTES * per * frames))"
	done
}

mirror() { echo "$2" > "/sys/class/net/$1/mirror_to"; }

row_none() {
	measure none
	SIZE=510 measure none-512
	SIZE=1510 measure none-1500
}

# A mirror elsewhere: the probes run for dummy0's frames but find nothing
row_other() {
	mirror dummy5 dummy4
	measure other 0 0 dummy4
	mirror dummy5 -dummy4
}

row_mirror() {
	mirror dummy0 dummy1
	measure mirror-1dest 1 1 dummy1
	SIZE=510 measure mirror-1dest-512 1 1 dummy1
	SIZE=1510 measure mirror-1dest-1500 1 1 dummy1
	mirror dummy0 dummy2
	measure mirror-2dest 2 2 dummy1 dummy2
	mirror dummy0 dummy3
	mirror dummy0 dummy4
	measure mirror-4dest 4 4 dummy1 dummy2 dummy3 dummy4
	for d in 1 2 3 4; do mirror dummy0 "-dummy$d"; done
}

# The options (ip link ... mirror, with the iproute2 series): a frame
# that direction or sampling skips costs no clone, a truncated copy no
# more than a whole one
row_options() {
	ip link help 2>&1 | grep -q 'mirror {' || return 0
	ip link set dummy0 mirror add dummy1 direction tx
	measure opt-direction-tx 1 0 dummy1
	ip link set dummy0 mirror change dummy1 direction both sample 1000000
	ENTRY_SUM='.packets + .skipped' measure opt-sample-skip
	ip link set dummy0 mirror change dummy1 sample 1 snaplen 128
	COPY_BYTES=128 SIZE=1510 measure opt-snaplen-1500 1 1 dummy1
	# all but the burst's copy and one a second over the rate
	ip link set dummy0 mirror change dummy1 snaplen 0 rate 1 burst 1
	ENTRY_SUM='.packets + .overlimits' measure opt-rate-skip
	ip link set dummy0 mirror del dummy1
}

# A macvlan over dummy0, the frames pktgen receives addressed to it: its
# frames unmirrored, then mirrored on receive, which its packet tap
# copies in the macvlan's round of the receive path
row_upper() {
	local mac

	ip link add mv0 link dummy0 up type macvlan mode bridge
	mac=$(cat /sys/class/net/mv0/address)
	DST_MAC=$mac measure upper-macvlan
	mirror mv0 dummy1
	DST_MAC=$mac measure upper-macvlan-mirror 0 1 dummy1
	ip link del mv0
}

# A session to a collector's address through an external erspan device,
# against tc's way to the same (tunnel_key set, then mirred into that
# device) and against an erspan device of the collector's own. The
# encapsulated copies leave through dummy3, the underlay, which counts
# them.
row_session() {
	local hook

	ip link help 2>&1 | grep -q 'mirror {' || return 0
	ip addr add 10.8.0.1/24 dev dummy3
	ip link add span0 type erspan external
	ip link set span0 up
	ip link set dummy0 mirror add span0 remote 10.8.0.2 id 1
	measure session-erspan 1 1 dummy3
	ip link set dummy0 mirror del span0
	tc qdisc add dev dummy0 clsact
	for hook in ingress egress; do
		tc filter add dev dummy0 $hook matchall \
			action tunnel_key set src_ip 10.8.0.1 dst_ip 10.8.0.2 \
			id 1 erspan_opts 1:0:0:0 \
			action mirred egress mirror dev span0
	done
	measure tc-tunnel-key-erspan 1 1 dummy3
	tc qdisc del dev dummy0 clsact
	ip link del span0
	ip link add span1 type erspan seq key 1 local 10.8.0.1 \
		remote 10.8.0.2 erspan_ver 1 erspan 1
	ip link set span1 up
	mirror dummy0 span1
	measure mirror-erspan-dev 1 1 dummy3
	mirror dummy0 -span1
	ip link del span1
	ip addr del 10.8.0.1/24 dev dummy3
}

# A destination with the qdisc of a physical port, or fq_codel
row_dest_qdisc() {
	local q

	mirror dummy0 dummy1
	for q in pfifo_fast fq_codel; do
		tc qdisc replace dev dummy1 root $q
		measure "dest-$q" 1 1 dummy1
		tc qdisc del dev dummy1 root
	done
	mirror dummy0 -dummy1
}

# A destination with a pass-through egress hook: the mirror's copies,
# like tc mirred's, go through dev_queue_xmit() and meet it
row_dest_hook() {
	tc qdisc add dev dummy1 clsact
	tc filter add dev dummy1 egress matchall action pass
	mirror dummy0 dummy1
	measure dest-hook 1 1 dummy1
	mirror dummy0 -dummy1
	tc_mirred dummy0 dummy1
	measure dest-hook-tc-mirred 1 1 dummy1
	tc qdisc del dev dummy0 clsact
	tc qdisc del dev dummy1 clsact
}

# peers CONFIG SRC: on the source SRC, already measured unmirrored as
# CONFIG, each peer copying to dummy1 (CONFIG-tc-mirred, -nft-dup) and,
# with a new skb per frame (PG_FLAG !SHARED, as row_bpf explains),
# unmirrored, mirrored and by the BPF program (CONFIG-unshared,
# -mirror-unshared, -bpf); pktgen's other settings come from the caller
peers() {
	local config=$1 src=$2

	tc_mirred "$src" dummy1
	OFFERED=1 measure "$config-tc-mirred" 1 1 dummy1
	tc qdisc del dev "$src" clsact
	nft_dup "$src" dummy1
	OFFERED=1 measure "$config-nft-dup" 1 1 dummy1
	nft delete table netdev bench
	PG_FLAG='!SHARED' measure "$config-unshared"
	mirror "$src" dummy1
	PG_FLAG='!SHARED' measure "$config-mirror-unshared" 1 1 dummy1
	mirror "$src" -dummy1
	bpf_clone "$src"
	OFFERED=1 PG_FLAG='!SHARED' measure "$config-bpf" 1 1 dummy1
	tc qdisc del dev "$src" clsact
}

# A source with a qdisc, as a physical NIC has: its transmit copies are
# sent once its qdisc transmit returns (the deferred path)
row_source_qdisc() {
	tc qdisc replace dev dummy0 root pfifo_fast
	measure src-pfifo_fast
	if [ "$kernel" != n ]; then
		mirror dummy0 dummy1
		measure src-pfifo_fast-mirror 1 1 dummy1
		mirror dummy0 -dummy1
		peers src-pfifo_fast dummy0
	fi
	tc qdisc del dev dummy0 root
}

# N devices mirrored to dummy1, dummy0 among them
row_sources() {
	local n d

	for n in 100 4096; do
		# dummy0 and n - 1 more
		seq -f 'link add dummy%g type dummy' 6 $((n + 4)) | ip -batch -
		for d in 0 $(seq 6 $((n + 4))); do
			echo dummy1 > "/sys/class/net/dummy$d/mirror_to"
		done
		measure "mirror-$n-sources" 1 1 dummy1
		seq -f 'link del dummy%g' 6 $((n + 4)) | ip -batch -
		mirror dummy0 -dummy1
	done
}

# tc_mirred SRC DEST: tc matchall mirred from both of SRC's hooks to DEST
tc_mirred() {
	local dir

	tc qdisc add dev "$1" clsact
	for dir in egress ingress; do
		tc filter add dev "$1" $dir matchall action mirred egress \
			mirror dev "$2"
	done
}

row_tc_mirred() {
	tc_mirred dummy0 dummy1
	measure tc-mirred 1 1 dummy1
	tc qdisc del dev dummy0 clsact
}

# nft_dup SRC DEST: nft netdev dup from both of SRC's hooks to DEST, in
# table bench
nft_dup() {
	nft -f - <<-EOF
	table netdev bench {
		chain in { type filter hook ingress device $1 priority 0; dup to $2; }
		chain out { type filter hook egress device $1 priority 0; dup to $2; }
	}
	EOF
}

row_nft_dup() {
	nft_dup dummy0 dummy1
	measure nft-dup 1 1 dummy1
	nft delete table netdev bench
}

# bpf_clone SRC: the program, compiled for dummy1's ifindex, on both of
# SRC's clsact hooks
bpf_clone() {
	local obj=/tmp/bench-bpf.o

	clang -O2 -target bpf -I"/usr/include/$(gcc -dumpmachine)" \
		-DDEST_IFINDEX="$(cat /sys/class/net/dummy1/ifindex)" \
		-c "$here/bpf-clone.c" -o $obj
	tc qdisc add dev "$1" clsact
	tc filter add dev "$1" egress bpf direct-action obj $obj sec tc
	tc filter add dev "$1" ingress bpf direct-action obj $obj sec tc
}

# The programmable peer: a tc program calling bpf_clone_redirect()
# (harness/bench/bpf-clone.c), compiled here for dummy1's ifindex. It may
# write to the frame, which pktgen must then not share between sends
# (pskb_expand_head() refuses a shared skb): both it and its baseline
# run with pktgen's "flag !SHARED", a new skb per frame.
row_bpf() {
	PG_FLAG='!SHARED' measure none-unshared
	[ "$kernel" != n ] || return 0
	bpf_clone dummy0
	PG_FLAG='!SHARED' measure bpf-clone-redirect 1 1 dummy1
	tc qdisc del dev dummy0 clsact
	mirror dummy0 dummy1
	PG_FLAG='!SHARED' measure mirror-unshared 1 1 dummy1
	mirror dummy0 -dummy1
}

# virtio-net, as in a VM or on a cloud server: a source whose transmit
# copies take the deferred path (not LLTX, a qdisc: mq, pfifo_fast),
# and a destination with that qdisc, which QEMU drains, also for tc
# mirred. Frames carry a
# destination MAC that the peer NIC's filter drops in QEMU: no guest
# instruction receives them.
row_virtio() {
	local vs vd d

	vs=$(nic 52:54:00:12:00:00) vd=$(nic 52:54:00:12:00:02)
	# QEMU drains a NIC at its own pace, slower at times than the guest
	# sends under icount: room for the copies that wait
	ip link set "$vd" txqueuelen 10000
	for d in "$vs" "$vd" "$(nic 52:54:00:12:00:01)" "$(nic 52:54:00:12:00:03)"; do
		ip link set "$d" up
	done
	PG_DEV=$vs DST_MAC=02:00:00:00:00:99 measure virtio-src
	if [ "$kernel" != n ]; then
		mirror "$vs" dummy1
		PG_DEV=$vs DST_MAC=02:00:00:00:00:99 \
			measure virtio-src-mirror 1 1 dummy1
		mirror "$vs" -dummy1
		PG_DEV=$vs DST_MAC=02:00:00:00:00:99 peers virtio-src "$vs"
		mirror dummy0 "$vd"
		measure virtio-dest 1 1 "$vd"
		mirror dummy0 "-$vd"
		tc_mirred dummy0 "$vd"
		measure virtio-dest-tc-mirred 1 1 "$vd"
		tc qdisc del dev dummy0 clsact
	fi
}

# GSO packets out of t0, a veth, which hands them whole to t1 in netns
# bt (harness/bench/gso.py): a TCP stream, and UDP GSO sends to an
# address t1 drops on receipt (a foreign MAC), which no feedback shapes
# and so cost the same in every run. The rate is GSO packets per second
# of guest time, all the guest did for them included. Mirrored
# (direction tx) to dummy1, which takes a GSO copy whole, and to dummy2
# without GSO, which must segment each copy: copies due are then the
# segments; and by tc mirred on egress.
row_gso() {
	ip netns add bt
	ip link add t0 type veth peer name t1 netns bt
	ip addr add 10.9.0.1/24 dev t0
	ip -n bt addr add 10.9.0.2/24 dev t1
	ip neigh add 10.9.0.3 lladdr 02:00:00:00:00:99 dev t0
	# No ARP: a probe sent between two counters' reads is a copy
	# counted on one side only
	ip neigh add 10.9.0.2 lladdr "$(ip -n bt -br link show t1 | awk '{ print $3 }')" dev t0
	ip -n bt neigh add 10.9.0.1 lladdr "$(cat /sys/class/net/t0/address)" dev t1
	ip link set t0 up
	ip -n bt link set t1 up
	ip -n bt link set lo up
	ethtool -K dummy2 tso off gso off tx-udp-segmentation off > /dev/null
	gso none
	if [ "$kernel" != n ]; then
		ip link set t0 mirror add dummy1 direction tx
		gso mirror dummy1
		ip link set t0 mirror del dummy1
		ip link set t0 mirror add dummy2 direction tx
		gso mirror-nogso dummy2
		ip link set t0 mirror del dummy2
		tc qdisc add dev t0 clsact
		tc filter add dev t0 egress matchall action mirred egress mirror dev dummy1
		gso tc-mirred dummy1
		tc qdisc del dev t0 clsact
	fi
	ethtool -K dummy2 tso on gso on tx-udp-segmentation on > /dev/null
	ip netns del bt
}

# gso CONFIG [DEST]: a TCP stream and the UDP sends, their RESULTs, and
# their copies at DEST
gso() {
	local ns pkts segs dest_before t0_before entry_before n=2000

	t0_before=$(sent_or_dropped t0)
	[ -z "${2:-}" ] || dest_before=$(sent "$2") entry_before=$(entry_copies)
	ip netns exec bt "$here/gso.py" server 10.9.0.2 5000 &
	ns=$("$here/gso.py" client 10.9.0.2 5000 $((16 << 20)))
	wait
	sleep 0.2	# the last FIN and ACK
	pkts=$(($(sent_or_dropped t0) - t0_before))
	echo "RESULT $kernel tcp-$1 tx $((pkts * 1000000000 / ns))"
	if [ -n "${2:-}" ]; then
		segs=$pkts
		# Segments of a stream's GSO packets vary: as the entry
		# counted them (the UDP sends below check its count)
		[ "$2" != dummy2 ] || segs=$(($(entry_copies) - entry_before))
		echo "COPIES $kernel tcp-$1 tx $(($(sent "$2") - dest_before)) $segs"
		dest_before=$(sent "$2")
	fi

	t0_before=$(sent_or_dropped t0)
	ns=$("$here/gso.py" udp 10.9.0.3 5000 $n)
	pkts=$(($(sent_or_dropped t0) - t0_before))
	echo "RESULT $kernel udp-gso-$1 tx $((pkts * 1000000000 / ns))"
	if [ -n "${2:-}" ]; then
		segs=$n
		[ "$2" != dummy2 ] || segs=$((45 * n))
		echo "COPIES $kernel udp-gso-$1 tx $(($(sent "$2") - dest_before)) $segs"
	fi
}

# What a device was given to send: a veth counts frames its peer
# refused as dropped
sent_or_dropped() {
	echo $(($(sent "$1") + $(cat "/sys/class/net/$1/statistics/tx_dropped")))
}

# Copies t0's entry made, sent or dropped, in segments; 0 for tc mirred
entry_copies() {
	ip -s -d link show t0 |
		sed -n 's/.* packets \([0-9]*\) bytes [0-9]* dropped \([0-9]*\).*/\1 \2/p' |
		awk '{ n += $1 + $2 } END { print n + 0 }'
}

nic() {
	ip -br link | awk -v m="$1" '$3 == m { print $1 }'
}

# The floor: clone, hand to dummy1's driver, free (harness/bench/floor.c)
row_floor() {
	[ -n "$floor_ko" ] || return 0
	insmod "$floor_ko" src=dummy0 dst=dummy1
	measure floor 1 1 dummy1
	rmmod bench_floor
}

# Capturing on the box itself instead: the packet tap's clone and the
# reader that writes each frame out, both counted by icount, at each
# frame size the mirror rows have. Every frame must be captured, or the
# row is invalid.
row_tcpdump() {
	local size config

	for size in 60 510 1510; do
		config=tcpdump-w
		[ $size = 510 ] && config=tcpdump-w-512
		[ $size = 1510 ] && config=tcpdump-w-1500
		SIZE=$size tcpdump_rows $config
	done
}

# tcpdump_rows CONFIG: both paths with tcpdump -w on dummy0
tcpdump_rows() {
	local pid path mode i n log=/tmp/tcpdump.log

	for mode in queue_xmit netif_receive; do
		path=tx
		[ $mode = netif_receive ] && path=rx
		tcpdump -i dummy0 -n -s 0 -B 65536 -w /dev/null 2> $log &
		pid=$!
		for ((i = 0; i < 100; i++)); do
			grep -q listening $log && break
			sleep 0.1
		done
		echo "RESULT $kernel $1 $path $(run $mode "$count")"
		sleep 1
		kill -INT $pid || true
		wait $pid || true
		n=$(sed -n 's/^\([0-9]*\) packets captured/\1/p' $log)
		echo "COPIES $kernel $1 $path ${n:--1} $count"
	done
}

# run_two_cpus: pktgen on both CPUs, COUNT / 5 frames each through
# dummy0's queue_xmit, to its own MAC
run_two_cpus() {
	local t

	pg pgctrl stop
	for t in 0 1; do
		pg "kpktgend_$t" rem_device_all
		pg "kpktgend_$t" "add_device dummy0@$t"
		pg "dummy0@$t" "count $((count / 5))"
		pg "dummy0@$t" "pkt_size 60"
		pg "dummy0@$t" "xmit_mode queue_xmit"
		pg "dummy0@$t" "dst_mac $(cat /sys/class/net/dummy0/address)"
	done
	pg pgctrl start
}

# Two CPUs sending on dummy0, mirrored into a 2-queue destination whose
# XPS map gives each CPU a queue of its own, as a multi-queue NIC's driver
# sets it up: with mq (each queue its qdisc, counted) and without a qdisc
# (copies straight to the driver: a veth, which hands each to its peer
# with the queue it was sent on, read from the tracepoint). icount cannot
# show lock contention: this checks where the copies went, not how fast.
row_queues() {
	local ev=/sys/kernel/tracing/events/net/netif_rx_entry t q
	local per_queue

	ip link add dq numtxqueues 2 numrxqueues 2 type veth peer name dqp \
		numtxqueues 2 numrxqueues 2
	ip link set dqp up
	ip link set dq up
	echo 1 > /sys/class/net/dq/queues/tx-0/xps_cpus
	echo 2 > /sys/class/net/dq/queues/tx-1/xps_cpus
	mirror dummy0 dq
	for q in mq noqueue; do
		tc qdisc replace dev dq root $q
		if [ $q = noqueue ]; then
			echo 'name == "dqp"' > $ev/filter
			# per CPU: room for every copy's event
			echo 8192 > /sys/kernel/tracing/buffer_size_kb
			echo > /sys/kernel/tracing/trace
			echo 1 > $ev/enable
		fi
		run_two_cpus
		if [ $q = mq ]; then
			# each child's "parent MAJOR:QUEUE+1", then its "Sent"
			per_queue=$(tc -s qdisc show dev dq | awk '
				/^qdisc/ { q = ""; if (match($0, /parent [0-9a-f]*:[0-9]+/))
					q = substr($0, RSTART + 7, RLENGTH - 7) }
				q != "" && /Sent/ { sub(/.*:/, "", q); n[q] = $4 }
				END { for (i = 1; i in n; i++) printf "%s ", n[i] }')
		else
			echo 0 > $ev/enable
			echo 0 > $ev/filter
			per_queue=$(grep -o 'dev=dqp .*queue_mapping=[0-9]*' \
				/sys/kernel/tracing/trace |
				sed 's/.*queue_mapping=//' | sort | uniq -c |
				awk '{ printf "%s ", $1 }')
			echo > /sys/kernel/tracing/trace
		fi
		echo "QUEUES $kernel 2cpu-$q $per_queue"
		for t in 0 1; do pg "kpktgend_$t" rem_device_all; done
	done
	mirror dummy0 -dq
	ip link del dq
}

# Two CPUs sending into one source with a qdisc (dummy0; pfifo_fast,
# lockless, and pfifo, under the root lock and busylock), mirrored to
# two destinations, the deferred path under load: while one CPU runs the
# qdisc, frames the other queues behind it go in the same run, whose
# copies go out when it returns, 64 at most (a full run's 64 frames make
# 128), the rest through the per-CPU queue's NAPI (device "mirror"),
# whose polls napi_poll traces. Prints "LOAD KERNEL CONFIG SENT DUE
# NAPI_COPIES NAPI_POLLS": the copies dummy1 and dummy2 sent, those due
# (two per frame dummy0 sent), and what the NAPI sent, in how many polls.
row_load() {
	local ev=/sys/kernel/tracing/events/napi/napi_poll t q due sent i

	mirror dummy0 dummy1
	mirror dummy0 dummy2
	for q in pfifo_fast pfifo; do
		tc qdisc replace dev dummy0 root $q
		echo > /sys/kernel/tracing/trace
		echo 1 > $ev/enable
		due=$(sent dummy0) sent=$(sent dummy1 dummy2)
		run_two_cpus
		due=$((2 * ($(sent dummy0) - due)))
		# the NAPI's last copies may still be on their way
		for ((i = 0; i < 50; i++)); do
			[ $(($(sent dummy1 dummy2) - sent)) -lt $due ] || break
			sleep 0.1
		done
		echo 0 > $ev/enable
		echo "LOAD $kernel 2cpu-$q $(($(sent dummy1 dummy2) - sent)) $due" \
			"$(awk '
				/napi_poll: .* for device mirror work / {
					for (i = 1; i < NF; i++)
						if ($i == "work" && $(i + 1) > 0) {
							n += $(i + 1)
							p++
						}
				} END { print n + 0, p + 0 }' /sys/kernel/tracing/trace)"
		for t in 0 1; do pg "kpktgend_$t" rem_device_all; done
		tc qdisc del dev dummy0 root
	done
	echo > /sys/kernel/tracing/trace
	mirror dummy0 -dummy1
	mirror dummy0 -dummy2
}

sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link del dummy0 2> /dev/null || true
dummies 0 1 2 3 4 5

if [ "$kernel" = n ]; then
	rows=(row_none row_source_qdisc row_bpf row_virtio row_gso)
else
	rows=(row_none row_other row_mirror row_options row_dest_qdisc
	      row_dest_hook row_source_qdisc row_sources row_tc_mirred row_nft_dup
	      row_bpf row_floor row_tcpdump row_virtio row_gso row_session
	      row_upper)
fi
[ "$round" != queues ] || rows=(row_queues row_load)
if [ -n "${5:-}" ]; then
	# only those of the kernel's rows that are named
	all=("${rows[@]}") rows=()
	for r in "${all[@]}"; do
		[[ " $5 " != *" $r "* ]] || rows+=("$r")
	done
fi
for ((i = 0; i < ${#rows[@]}; i++)); do
	${rows[(i + ${round/queues/0}) % ${#rows[@]}]}
done
