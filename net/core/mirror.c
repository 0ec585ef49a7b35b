// SPDX-License-Identifier: GPL-2.0-only
/*
 * Port mirroring: every frame a device sends or receives also goes out of
 * the destinations configured in its mirror_to attribute.
 *
 * Probes on the netif_receive_skb and net_dev_start_xmit tracepoints are
 * attached only while some device has a destination. A device's
 * destinations, with their options, are an immutable array behind
 * dev->mirror, replaced under RTNL and read under RCU, so the probe's
 * lookup is one load; only each entry's per-CPU counters and its rate's
 * state move from one array to the next. An upper device, whose received
 * frames the receive tracepoint fires for only on its lower device, also
 * gets a packet tap. Each copy carries
 * skb->mirror_copy, which no tunnel, veth or netns crossing clears, so
 * that a copy is never mirrored again.
 *
 * See Documentation/networking/port-mirroring.rst.
 */

#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/cpuhotplug.h>
#include <linux/delay.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/dst.h>
#include <net/dst_metadata.h>
#include <net/erspan.h>
#include <net/gso.h>
#include <net/ip6_tunnel.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/mirror.h>
#include <net/sch_generic.h>
#include <net/vxlan.h>
#include <trace/events/net.h>

/* Copies a CPU may hold back while it owns a source's TX lock */
#define MIRROR_BACKLOG_MAX	1000
/* Copies a transmit or qdisc run sends when it returns, at most */
#define MIRROR_FLUSH_MAX	NAPI_POLL_WEIGHT

/* Which of the source's frames an entry copies, as in IFLA_MIRROR */
#define MIRROR_RX	BIT(0)
#define MIRROR_TX	BIT(1)
#define MIRROR_BOTH	(MIRROR_RX | MIRROR_TX)

static_assert(MIRROR_RX == IFLA_MIRROR_DIRECTION_RX);
static_assert(MIRROR_TX == IFLA_MIRROR_DIRECTION_TX);
static_assert(MIRROR_BOTH == IFLA_MIRROR_DIRECTION_BOTH);

/* Shortest copy a snap length may leave: an Ethernet minimum frame */
#define MIRROR_SNAPLEN_MIN	64

/**
 * enum mirror_counter - the counters of an entry, in IFLA_MIRROR_STATS_* order
 * @MIRROR_PACKETS: copies handed to the destination (a GSO copy counts its
 *	segments)
 * @MIRROR_BYTES: their bytes, from the link-layer header
 * @MIRROR_DROPPED: copies the destination did not take (its egress hooks,
 *	queueing discipline or driver), or that could not be made
 * @MIRROR_OVERLIMITS: frames not copied because the entry was over its rate
 *	(a GSO packet counts its segments)
 * @MIRROR_TRUNCATED: copies cut shorter than their frame, by the snap length
 *	or to what the destination sends whole (a GSO copy counts the segments
 *	that were cut)
 * @MIRROR_SKIPPED: frames sampling skipped
 * @MIRROR_DOWN: frames not copied because the destination was down or had
 *	no carrier
 * @MIRROR_NR_COUNTERS: how many there are
 */
enum mirror_counter {
	MIRROR_PACKETS,
	MIRROR_BYTES,
	MIRROR_DROPPED,
	MIRROR_OVERLIMITS,
	MIRROR_TRUNCATED,
	MIRROR_SKIPPED,
	MIRROR_DOWN,
	MIRROR_NR_COUNTERS
};

/* Reported as IFLA_MIRROR_STATS_PACKETS + the counter's index */
#define MIRROR_COUNTER_IS(c, attr) \
	static_assert(IFLA_MIRROR_STATS_PACKETS + (c) == (attr))
MIRROR_COUNTER_IS(MIRROR_PACKETS, IFLA_MIRROR_STATS_PACKETS);
MIRROR_COUNTER_IS(MIRROR_BYTES, IFLA_MIRROR_STATS_BYTES);
MIRROR_COUNTER_IS(MIRROR_DROPPED, IFLA_MIRROR_STATS_DROPPED);
MIRROR_COUNTER_IS(MIRROR_OVERLIMITS, IFLA_MIRROR_STATS_OVERLIMITS);
MIRROR_COUNTER_IS(MIRROR_TRUNCATED, IFLA_MIRROR_STATS_TRUNCATED);
MIRROR_COUNTER_IS(MIRROR_SKIPPED, IFLA_MIRROR_STATS_SKIPPED);
MIRROR_COUNTER_IS(MIRROR_DOWN, IFLA_MIRROR_STATS_DOWN);
static_assert(MIRROR_NR_COUNTERS == IFLA_MIRROR_STATS_MAX);

/**
 * struct mirror_stats - the counters of one entry on one CPU
 * @cnt: indexed by enum mirror_counter
 * @syncp: protects @cnt, written only by its CPU with BH disabled
 * @skip: frames left until sampling picks one; private to the CPU
 */
struct mirror_stats {
	u64_stats_t		cnt[MIRROR_NR_COUNTERS];
	struct u64_stats_sync	syncp;
	u32			skip;
};

/**
 * struct mirror_opts - the options of one entry
 * @dir: MIRROR_RX, MIRROR_TX or both
 * @snaplen: cut copies to this many bytes; 0 for whole frames
 * @sample: copy one frame in this many on average; 0 or 1 for all
 * @priority: skb->priority of the copies, if @set_priority; else they
 *	keep the frame's
 * @rate: copies per second at most; 0 for no limit
 * @burst: copies that may go back to back at @rate; 0 for a tenth of it
 * @remote: the collector of a session, through an external tunnel
 * @id: the session's GRE key, VNI or ERSPAN session id
 * @family: @remote's, AF_INET or AF_INET6; 0 for no session
 * @erspan_ver: an ERSPAN session's version, 1 or 2; else 0
 * @set_priority: whether @priority was set
 */
struct mirror_opts {
	u32	dir;
	u32	snaplen;
	u32	sample;
	u32	priority;
	u32	rate;
	u32	burst;
	union {
		__be32		ip4;
		struct in6_addr	ip6;
	} remote;
	u32	id;
	u8	family;
	u8	erspan_ver;
	bool	set_priority;
};

/**
 * struct mirror_rate - the state of an entry's rate, shared by the CPUs
 * @tat: when the copies taken so far are back at the rate, in
 *	ktime_get_mono_fast_ns() time
 *
 * On a cache line of its own: every copy the rate lets go writes it,
 * while every frame of the source reads the entries' array.
 */
struct mirror_rate {
	atomic64_t	tat;
} ____cacheline_aligned_in_smp;

/**
 * struct mirror_dest - one entry: a destination of a source
 * @dev: the destination, held
 * @stats: counters, which outlive the array when the entry moves to the
 *	next one
 * @opts: options, fixed for the life of the array
 * @rate: state of the rate, NULL without one; like @stats, it goes from
 *	array to array with the entry, and a new one comes with a new
 *	rate or burst
 * @interval: nanoseconds a frame takes of the rate
 * @slack: nanoseconds the copies may run ahead of the rate: a burst
 * @tun: a session's outer headers, for copies of received and of sent
 *	frames (ERSPAN version 2 tells them apart); each array holds a
 *	reference, and new ones come with a new session
 * @tun_extra: bytes a session's outer header has beyond what the MTU of
 *	@dev allows for (fewer, if negative)
 * @tracker: tracks the reference on @dev
 */
struct mirror_dest {
	struct net_device		*dev;
	struct mirror_stats __percpu	*stats;
	struct mirror_opts		opts;
	struct mirror_rate		*rate;
	u64				interval;
	u64				slack;
	struct metadata_dst		*tun[2];
	int				tun_extra;
	netdevice_tracker		tracker;
};

/**
 * struct mirror_tap - receives the frames of an upper device
 * @pt: on the device's own list of taps, as tcpdump's on it would be
 * @rcu: frees it once no receive can be delivering to it
 * @added: whether @pt is on the list
 * @removed: whether @pt was on it: a receive may still be reading it
 */
struct mirror_tap {
	struct packet_type	pt;
	struct rcu_head		rcu;
	bool			added;
	bool			removed;
};

/**
 * struct netdev_mirror - the destinations of one source device
 * @list: entry in mirror_sources; protected by RTNL
 * @tap: the receive tap, while an entry copies received frames; handed
 *	from array to array. Used under RTNL only, and the one field that
 *	changes in a published array (mirror_tap_sync())
 * @free_work: frees the array once no probe and no queued copy can be
 *	using it
 * @source: the device whose dev->mirror points here
 * @dead: entries whose counters go with the array: not in the next one
 * @dead_rates: entries whose rate state goes with the array
 * @dirs: the directions of all entries, so that a frame that none copies
 *	costs the probe one test
 * @sampled_dirs: the directions of @dirs in which every entry that
 *	copies them samples (sample above 1), so that the probe itself may
 *	skip a frame that all of them skip
 * @count: number of destinations
 * @dest: destinations in the order they were added, each holding a
 *	reference on its device
 */
struct netdev_mirror {
	struct list_head	list;
	struct mirror_tap	*tap;
	struct rcu_work		free_work;
	struct net_device	*source;
	unsigned long		dead;
	unsigned long		dead_rates;
	u32			dirs;
	u32			sampled_dirs;
	unsigned int		count;
	struct mirror_dest	dest[] __counted_by(count);
};

/*
 * A table being edited, from a copy of the published one: requests
 * apply to it one by one, and it is published only when all succeeded.
 */
struct mirror_edit {
	struct net_device	*source;
	unsigned int		count;
	struct mirror_dest	dest[NETDEV_MIRROR_MAX_DEST];
};

/* A copy waiting in a backlog: the counters of its entry */
struct mirror_skb_cb {
	struct mirror_stats __percpu	*stats;
};

#define MIRROR_SKB_CB(skb)	((struct mirror_skb_cb *)(skb)->cb)

static const struct mirror_opts mirror_default_opts = {
	.dir		= MIRROR_BOTH,
};

/**
 * struct mirror_backlog - copies taken under a source's TX lock
 * @queue: copies, each holding a reference on its destination
 * @napi: sends them in softirq once the lock is released, as gro_cells
 *	do their packets
 * @queued: copies ever queued here; written by this CPU only
 * @done: of those, the copies sent or dropped; written by the NAPI poll
 * @flush: copies that this CPU's outermost qdisc transmit, or a qdisc run
 *	of net_tx_action(), took, in order, sent when it returns
 *	(mirror_backlog_flush()): within the RCU read-side section they
 *	were taken in, so that they pin nothing
 * @flush_tail: where the next of them goes
 * @flush_len: how many there are
 *
 * @queue takes no lock: it is used by its own CPU with BH disabled and,
 * while that CPU is offline, by the one its NAPI moved to, which is done
 * with it before the CPU comes back (mirror_cpu_prepare()). @flush is
 * empty except inside such a transmit or run.
 */
struct mirror_backlog {
	struct sk_buff_head	queue;
	struct napi_struct	napi;
	unsigned long		queued;
	unsigned long		done;
	struct sk_buff		*flush;
	struct sk_buff		**flush_tail;
	unsigned int		flush_len;
};

/*
 * Allocated rather than static: with its NAPI instance, a backlog is too
 * large for the per-CPU area that modules share.
 */
static struct mirror_backlog __percpu *mirror_backlogs;

/* Holds the backlogs' NAPI instances */
static struct net_device *mirror_napi_dev;

/* Of mirror_cpu_prepare(), while set up */
static int mirror_cpuhp_state;

/* Every netdev_mirror in use; protected by RTNL */
static LIST_HEAD(mirror_sources);

/* Frees replaced arrays; drained before the module goes */
static struct workqueue_struct *mirror_wq;

static void mirror_count(struct mirror_stats __percpu *stats,
			 unsigned int segs, unsigned int len)
{
	struct mirror_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_add(&s->cnt[MIRROR_PACKETS], segs);
	u64_stats_add(&s->cnt[MIRROR_BYTES], len);
	u64_stats_update_end(&s->syncp);
}

/* Add @n to counter @c of an entry's @stats, on this CPU */
static void mirror_count_add(struct mirror_stats __percpu *stats,
			     enum mirror_counter c, unsigned int n)
{
	struct mirror_stats *s = this_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_add(&s->cnt[c], n);
	u64_stats_update_end(&s->syncp);
}

/* Frames on the wire of @skb: a GSO packet from an untrusted source has
 * no count yet
 */
static unsigned int mirror_segs(const struct sk_buff *skb)
{
	if (skb_is_gso(skb) && skb_shinfo(skb)->gso_segs)
		return skb_shinfo(skb)->gso_segs;
	return 1;
}

/* Whether tc/tcx or netfilter egress hooks would see what @dev sends */
static bool mirror_egress_hooked(const struct net_device *dev)
{
#ifdef CONFIG_NET_XGRESS
	if (rcu_access_pointer(dev->tcx_egress))
		return true;
#endif
#ifdef CONFIG_NETFILTER_EGRESS
	if (rcu_access_pointer(dev->nf_hooks_egress))
		return true;
#endif
	return false;
}

/*
 * The queue dev_queue_xmit() would pick for a frame of the destination's
 * own that has no socket: the driver's choice, else XPS, else a hash of
 * the flow. Copies sent from several CPUs then spread over a multi-queue
 * destination's queues rather than all contend for the first one's lock.
 */
static u16 mirror_pick_tx(struct net_device *to, struct sk_buff *copy)
{
	const struct net_device_ops *ops = to->netdev_ops;
	u16 q = 0;

#ifdef CONFIG_XPS
	/* It shares the field with the NAPI id of a received frame */
	copy->sender_cpu = raw_smp_processor_id() + 1;
#endif
	if (to->real_num_tx_queues != 1) {
		if (ops->ndo_select_queue)
			q = ops->ndo_select_queue(to, copy, NULL);
		else
			q = netdev_pick_tx(to, copy, NULL);
		q = netdev_cap_txqueue(to, q);
	}
	/* Before the packet taps see it, as in xmit_one() */
	skb_set_queue_mapping(copy, q);
	return q;
}

/*
 * A copy meets the destination's egress hooks and qdisc as any frame it
 * sends. Only where there are none does the queueing layer do nothing
 * for it: then its driver gets the copy directly, as with AF_PACKET's
 * qdisc bypass, and its packet taps see it as xmit_one() would show it.
 * Not a GSO copy, which the destination may have to segment
 * (__dev_direct_xmit() drops segments), nor when this CPU holds that
 * driver's TX lock already (a copy taken inside the destination's own
 * transmit), which dev_queue_xmit() detects.
 */
static void mirror_xmit(struct sk_buff *copy,
			struct mirror_stats __percpu *stats)
{
	struct net_device *to = copy->dev;
	unsigned int segs = mirror_segs(copy);
	unsigned int len = copy->len;
	bool direct;
	u16 q = 0;
	int ret;

	/* A root qdisc, or noqueue, is every queue's */
	direct = qdisc_txq_has_no_queue(netdev_get_tx_queue(to, 0)) &&
		 !skb_is_gso(copy) && !mirror_egress_hooked(to);
	if (direct) {
		struct netdev_queue *txq;

		q = mirror_pick_tx(to, copy);
		txq = netdev_get_tx_queue(to, q);
		direct = READ_ONCE(txq->xmit_lock_owner) != smp_processor_id();
	}
	if (direct) {
		if (dev_nit_active(to))
			dev_queue_xmit_nit(copy, to);
		/*
		 * It counts the drops it makes, but leaves a busy skb, which
		 * dev_queue_xmit() would drop and count for a noqueue device.
		 * A transmit inside it, under its TX lock, is a nested one,
		 * as on dev_queue_xmit()'s noqueue path.
		 */
		dev_xmit_recursion_inc();
		ret = __dev_direct_xmit(copy, q);
		dev_xmit_recursion_dec();
		if (ret == NETDEV_TX_BUSY) {
			dev_core_stats_tx_dropped_inc(to);
			kfree_skb(copy);
		}
	} else {
		/*
		 * Egress hooks, qdisc, stack and driver count the drops
		 * they make as they do for the destination's own frames
		 */
		ret = dev_queue_xmit(copy);
	}

	/*
	 * The entry counts a copy sent once the qdisc or driver took it.
	 * NET_XMIT_CN counts as a drop: the qdisc dropped a frame to make
	 * room, this copy (sfq, a down destination's noop qdisc) or another
	 * of its flow (fq_codel).
	 */
	if (ret == NET_XMIT_SUCCESS)
		mirror_count(stats, segs, len);
	else
		mirror_count_add(stats, MIRROR_DROPPED, 1);
}

static int mirror_backlog_poll(struct napi_struct *napi, int budget)
{
	struct mirror_backlog *bl;
	struct sk_buff *copy;
	int work = 0;

	bl = container_of(napi, struct mirror_backlog, napi);
	while (work < budget && (copy = __skb_dequeue(&bl->queue))) {
		struct net_device *to = copy->dev;

		mirror_xmit(copy, MIRROR_SKB_CB(copy)->stats);
		dev_put(to);
		work++;
	}
	/* After the copies' last use, for mirror_backlog_drain() */
	smp_store_release(&bl->done, bl->done + work);

	if (work < budget)
		napi_complete_done(napi, work);
	return work;
}

/*
 * Send the copies that this CPU's outermost qdisc transmit, or qdisc run
 * from net_tx_action(), took, now that it returns (dev_xmit_set_flush()):
 * no NAPI round for a frame's copies, and those of a qdisc run's frames go
 * together. A copy's transmit may run a destination's qdisc whose frames
 * are mirrored in turn: their copies wait for the NAPI.
 */
static void mirror_backlog_flush(void)
{
	struct mirror_backlog *bl = this_cpu_ptr(mirror_backlogs);
	struct sk_buff *copy = bl->flush, *next;

	bl->flush = NULL;
	bl->flush_tail = &bl->flush;
	bl->flush_len = 0;
	for (; copy; copy = next) {
		next = copy->next;
		skb_mark_not_on_list(copy);
		mirror_xmit(copy, MIRROR_SKB_CB(copy)->stats);
	}
}

/*
 * Wait until each copy queued so far was sent or dropped: only those,
 * so that new traffic cannot keep this waiting. Each backlog holds at
 * most MIRROR_BACKLOG_MAX copies, which its NAPI sends in order. Called
 * from a work item or on unload, where no one waits for it: polling is
 * enough.
 */
static void mirror_backlog_drain(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct mirror_backlog *bl = per_cpu_ptr(mirror_backlogs, cpu);
		unsigned long queued = READ_ONCE(bl->queued);

		/* Pairs with the release in mirror_backlog_poll() */
		while ((long)(queued - smp_load_acquire(&bl->done)) > 0)
			usleep_range(500, 1000);
	}
}

static void mirror_backlog_add(struct sk_buff *copy,
			       struct mirror_stats __percpu *stats)
{
	struct mirror_backlog *bl = this_cpu_ptr(mirror_backlogs);
	bool later;

	/*
	 * Sent when this CPU's transmit returns, unless copies wait for the
	 * NAPI already (this one goes after them), or as many as a poll
	 * sends wait there: the transmit's caller waits for them
	 */
	later = skb_queue_empty(&bl->queue) &&
		bl->flush_len < MIRROR_FLUSH_MAX && dev_xmit_flush_later();
	if (!later && unlikely(skb_queue_len(&bl->queue) >= MIRROR_BACKLOG_MAX)) {
		dev_core_stats_tx_dropped_inc(copy->dev);
		mirror_count_add(stats, MIRROR_DROPPED, 1);
		kfree_skb(copy);
		return;
	}
	MIRROR_SKB_CB(copy)->stats = stats;
	if (later) {
		copy->next = NULL;
		*bl->flush_tail = copy;
		bl->flush_tail = &copy->next;
		bl->flush_len++;
		return;
	}
	/*
	 * The copy outlives this RCU section: pin its device until sent.
	 * Its entry's counters are freed only once the backlogs sent the
	 * copies queued before (mirror_free_work()).
	 */
	dev_hold(copy->dev);
	__skb_queue_tail(&bl->queue, copy);
	WRITE_ONCE(bl->queued, bl->queued + 1);
	if (skb_queue_len(&bl->queue) == 1)
		napi_schedule(&bl->napi);
}

/*
 * Sending a copy from inside a transmit takes the destination's locks
 * under the ones that transmit holds: a TX lock, unless the driver is
 * LLTX, and a qdisc's busylock, held across the transmit when contended.
 * These may be the source's or, for a source stacked under an upper
 * device with a qdisc, the upper's. That is an ABBA deadlock against a
 * mirror the other way, and a lockdep report. Such copies wait in a
 * per-CPU backlog, sent once the locks are released. Only a transmit
 * proven to hold none of them sends at once: the outermost one, on
 * __dev_queue_xmit()'s noqueue path, of a device whose TX lock this CPU
 * does not hold. A receive copy is sent at once unless the frame is
 * received inside some transmit.
 */
static bool mirror_must_defer(const struct sk_buff *skb,
			      const struct net_device *dev, bool rx)
{
	const struct netdev_queue *txq;

	if (dev_xmit_locked())
		return true;
	if (rx)
		return dev_recursion_level();
	txq = skb_get_tx_queue(dev, skb);
	return dev_recursion_level() > 1 ||
	       READ_ONCE(txq->xmit_lock_owner) == smp_processor_id();
}

/*
 * The receive tracepoint fires before __netif_receive_skb_core() sets
 * the network header where data is: set it as that will, or a frame
 * that skipped GRO carries a stale one. Then give the copy back its
 * link-layer header, for a destination that sends one.
 */
static void mirror_rx_headers(struct sk_buff *copy, const struct net_device *to)
{
	skb_reset_network_header(copy);
	if (!skb_transport_header_was_set(copy))
		skb_reset_transport_header(copy);
	if (!skb_mac_header_was_set(copy))
		return;
	skb_reset_mac_len(copy);
	if (dev_is_mac_header_xmit(to))
		skb_push_rcsum(copy, -skb_mac_offset(copy));
}

/*
 * A cut copy is also cut to what the destination can send, and so is
 * every copy of a session: a tunnel would fragment one that is longer.
 * A VLAN tag held beside the frame is inserted into it by the time it
 * leaves, so it counts as well.
 */
static unsigned int mirror_snaplen(const struct mirror_dest *d,
				   const struct sk_buff *copy)
{
	unsigned int max = READ_ONCE(d->dev->mtu) + d->dev->hard_header_len -
			   d->tun_extra;
	unsigned int len = d->opts.snaplen ? min(d->opts.snaplen, max) : max;

	return skb_vlan_tag_present(copy) ? len - VLAN_HLEN : len;
}

/*
 * Cut a copy that is not a GSO packet to mirror_snaplen() bytes from its
 * link-layer header. A linear clone only needs a shorter length; a paged
 * one first gets a head and frag list of its own, as the original's are
 * shared. A checksum left to the device would cover bytes that are gone.
 */
static int mirror_trim(struct sk_buff *copy, const struct mirror_dest *d)
{
	unsigned int snaplen = mirror_snaplen(d, copy);

	if (skb_is_nonlinear(copy)) {
		if (skb_unclone(copy, GFP_ATOMIC) || pskb_trim(copy, snaplen))
			return -ENOMEM;
	} else {
		__skb_trim(copy, snaplen);
	}
	copy->ip_summed = CHECKSUM_NONE;
	mirror_count_add(d->stats, MIRROR_TRUNCATED, 1);
	return 0;
}

/*
 * Whether sampling skips this frame for @d, whose sample is above 1:
 * after each pick the next comes a random 1..2N-1 frames later, N on
 * average, so that no periodic pattern in the traffic is favoured.
 * Counted per CPU; a countdown longer than N allows (N was just lowered)
 * ends at once.
 */
static bool mirror_sample_skips(const struct mirror_dest *d)
{
	u32 left = __this_cpu_read(d->stats->skip);

	return left > 1 && left <= 2 * d->opts.sample - 1;
}

static void mirror_sample_skip(const struct mirror_dest *d)
{
	__this_cpu_dec(d->stats->skip);
	mirror_count_add(d->stats, MIRROR_SKIPPED, 1);
}

/* Whether sampling picks this frame for @d; if so, when the next comes */
static bool mirror_sampled(const struct mirror_dest *d)
{
	if (likely(d->opts.sample <= 1))
		return true;
	if (mirror_sample_skips(d)) {
		mirror_sample_skip(d);
		return false;
	}
	__this_cpu_write(d->stats->skip,
			 get_random_u32_inclusive(1, 2 * d->opts.sample - 1));
	return true;
}

/*
 * Whether @d's rate lets a copy of @segs frames go now: the generic cell
 * rate algorithm, one clock for all CPUs. A copy conforms when the
 * copies before it are back at the rate within a burst's slack; it then
 * takes its frames' share, all of a GSO packet's, which the copies after
 * it wait for. Each copy costs a compare-and-exchange of the shared
 * time; a frame over the rate, a read of it (a locked one on 32-bit).
 */
static bool mirror_rate_ok(const struct mirror_dest *d, unsigned int segs)
{
	atomic64_t *tat = &d->rate->tat;
	s64 now = ktime_get_mono_fast_ns();
	s64 old = atomic64_read(tat);
	s64 start;

	do {
		start = max(old, now);
		if ((u64)(start - now) > d->slack)
			return false;
	} while (!atomic64_try_cmpxchg(tat, &old,
				       start + (u64)segs * d->interval));
	return true;
}

static void mirror_send(struct sk_buff *copy, const struct mirror_dest *d,
			bool rx, bool defer)
{
	copy->mirror_copy = 1;
	copy->dev = d->dev;
	if (d->opts.set_priority)
		copy->priority = d->opts.priority;
	skb_dst_drop(copy);
	/* The external tunnel takes the outer header from the metadata */
	if (d->tun[0])
		skb_dst_set(copy, dst_clone(&d->tun[!rx]->dst));
	nf_reset_ct(copy);
	skb_clear_tstamp(copy);
	/* Not the source's queue, nor its receive queue: the destination's */
	skb_set_queue_mapping(copy, 0);

	if (defer)
		mirror_backlog_add(copy, d->stats);
	else
		mirror_xmit(copy, d->stats);
}

/*
 * snaplen cuts the frames the source sends or received, as a capture
 * would show them: segment a GSO copy (sharing its pages, so that no
 * payload is copied) and cut each segment.
 */
static void mirror_segments(struct sk_buff *copy, const struct mirror_dest *d,
			    bool rx, bool defer)
{
	struct sk_buff *segs = NULL, *seg, *next;

	/*
	 * Segmentation may rewrite the TCP checksum of a packet that is
	 * not CHECKSUM_PARTIAL (LRO): in a header of the copy's own
	 */
	if (!skb_unclone(copy, GFP_ATOMIC))
		segs = skb_gso_segment(copy, NETIF_F_SG | NETIF_F_HW_CSUM);
	if (IS_ERR_OR_NULL(segs)) {
		kfree_skb(copy);
		dev_core_stats_tx_dropped_inc(d->dev);
		mirror_count_add(d->stats, MIRROR_DROPPED, 1);
		return;
	}
	consume_skb(copy);

	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		if (seg->len > mirror_snaplen(d, seg) &&
		    unlikely(mirror_trim(seg, d))) {
			kfree_skb(seg);
			dev_core_stats_tx_dropped_inc(d->dev);
			mirror_count_add(d->stats, MIRROR_DROPPED, 1);
			continue;
		}
		mirror_send(seg, d, rx, defer);
	}
}

static void mirror_one(struct sk_buff *skb, const struct mirror_dest *d,
		       bool rx, bool defer)
{
	struct net_device *to = d->dev;
	struct sk_buff *copy;

	if (unlikely(!(READ_ONCE(to->flags) & IFF_UP) ||
		     !netif_carrier_ok(to))) {
		dev_core_stats_tx_dropped_inc(to);
		mirror_count_add(d->stats, MIRROR_DOWN, 1);
		return;
	}

	copy = skb_clone(skb, GFP_ATOMIC);
	if (unlikely(!copy))
		goto drop;

	/*
	 * A clone shares skb_shinfo(), and with it tx_flags: a destination
	 * that timestamps would take the request meant for the source's
	 * driver and set SKBTX_IN_PROGRESS for it. Rare: unshare then.
	 */
	if (unlikely(skb_shinfo(copy)->tx_flags & SKBTX_ANY_TSTAMP)) {
		if (skb_unclone(copy, GFP_ATOMIC)) {
			kfree_skb(copy);
			goto drop;
		}
		skb_shinfo(copy)->tx_flags &= ~(SKBTX_ANY_TSTAMP | SKBTX_IN_PROGRESS);
	}

	if (rx)
		mirror_rx_headers(copy, to);

	if ((d->opts.snaplen || d->tun[0]) &&
	    copy->len > mirror_snaplen(d, copy)) {
		if (skb_is_gso(copy)) {
			mirror_segments(copy, d, rx, defer);
			return;
		}
		if (unlikely(mirror_trim(copy, d))) {
			kfree_skb(copy);
			goto drop;
		}
	}
	mirror_send(copy, d, rx, defer);
	return;

drop:
	dev_core_stats_tx_dropped_inc(to);
	mirror_count_add(d->stats, MIRROR_DROPPED, 1);
}

/* Copy a frame that mirror_probe() found due to some entry of @m */
static void mirror_frame(struct sk_buff *skb, const struct net_device *dev,
			 const struct netdev_mirror *m, bool rx)
{
	u32 dir = rx ? MIRROR_RX : MIRROR_TX;
	int defer = -1;
	unsigned int i;

	for (i = 0; i < m->count; i++) {
		const struct mirror_dest *d = &m->dest[i];

		if (!(d->opts.dir & dir) || !mirror_sampled(d))
			continue;
		if (d->rate && !mirror_rate_ok(d, mirror_segs(skb))) {
			mirror_count_add(d->stats, MIRROR_OVERLIMITS,
					 mirror_segs(skb));
			continue;
		}
		/* Only once a copy is due: sampling skips most frames */
		if (defer < 0)
			defer = mirror_must_defer(skb, dev, rx);
		mirror_one(skb, d, rx, defer);
	}
}

/*
 * Whether every entry of @m that copies frames of @dir, all of which
 * sample, skips this frame; then each of them does. No entry is changed
 * otherwise.
 */
static bool mirror_all_skip(const struct netdev_mirror *m, u32 dir)
{
	const struct mirror_dest *d, *end = m->dest + m->count;

	for (d = m->dest; d < end; d++) {
		if ((d->opts.dir & dir) && !mirror_sample_skips(d))
			return false;
	}
	for (d = m->dest; d < end; d++) {
		if (d->opts.dir & dir)
			mirror_sample_skip(d);
	}
	return true;
}

/*
 * The probes run for every frame of every device while any mirror
 * exists. What most frames need is decided here, inline, before calling
 * into mirror_frame(), whose register saves they would otherwise pay
 * for: that the source has no entry for their direction, and that
 * sampling skips them. Its callers all run with BH disabled (the
 * tracepoint probes also with preemption disabled): no other frame of
 * this CPU comes between mirror_all_skip()'s two passes.
 */
static __always_inline void mirror_probe(struct sk_buff *skb,
					 const struct net_device *dev,
					 const struct netdev_mirror *m,
					 bool rx)
{
	u32 dir = rx ? MIRROR_RX : MIRROR_TX;

	if (!(m->dirs & dir) || skb->mirror_copy)
		return;
	/* Skip what the packet taps skip: frames looped back to us (already
	 * mirrored on transmit) and emergency memory.
	 */
	if (rx && unlikely(skb->pkt_type == PACKET_LOOPBACK ||
			   skb_pfmemalloc(skb)))
		return;
	if (!(m->sampled_dirs & dir) || !mirror_all_skip(m, dir))
		mirror_frame(skb, dev, m, rx);
}

static void mirror_rx_probe(void *unused, struct sk_buff *skb)
{
	const struct netdev_mirror *m = rcu_dereference_sched(skb->dev->mirror);

	if (unlikely(m))
		mirror_probe(skb, skb->dev, m, true);
}

static void mirror_tx_probe(void *unused, const struct sk_buff *skb,
			    const struct net_device *dev)
{
	const struct netdev_mirror *m = rcu_dereference_sched(dev->mirror);

	/*
	 * The tracepoint hands tracers a const skb, but xmit_one() owns it
	 * and sends it on unchanged: cloning only marks it cloned, after
	 * which no one writes to its data without making a private copy.
	 */
	if (unlikely(m))
		mirror_probe((struct sk_buff *)skb, dev, m, false);
}

/*
 * A frame an upper device (bond, team, VLAN, macvlan, ipvlan) receives
 * is its lower device's frame, handed up by that device's receive
 * handler or VLAN untagging to another round of
 * __netif_receive_skb_core(): the receive tracepoint fired once, for
 * the lower device. The upper device's taps see the frame in that round,
 * as tcpdump on it does; a frame the device received itself (orig_dev)
 * had its copies from the probe.
 */
static int mirror_tap_rcv(struct sk_buff *skb, struct net_device *dev,
			  struct packet_type *pt, struct net_device *orig_dev)
{
	const struct netdev_mirror *m = rcu_dereference(dev->mirror);

	if (dev != orig_dev && m)
		mirror_probe(skb, dev, m, true);
	consume_skb(skb);
	return NET_RX_SUCCESS;
}

/*
 * Whether the frames @dev receives come up from a lower device in another
 * round of __netif_receive_skb_core(), where only a tap sees them. A
 * bridge's and Open vSwitch's come in a receive of their own, which the
 * probe sees; an L3 master device's (VRF) never pass its taps.
 */
static bool mirror_tap_wanted(const struct net_device *dev)
{
	return !list_empty(&dev->adj_list.lower) &&
	       !netif_is_bridge_master(dev) && !netif_is_ovs_master(dev) &&
	       !netif_is_l3_master(dev);
}

/*
 * Every source whose entries copy received frames has a tap, on its
 * list of taps only while mirror_tap_wanted(): no other device pays for
 * it. Allocated with the array, so that an edit that needs one fails
 * rather than copies nothing; added and removed here, under RTNL, by
 * mirror_publish() and as the device's lower devices come and go. A
 * tap removed waits for the readers of the list before it is added
 * again: no receive may follow it from one place in the list to another.
 */
static struct mirror_tap *mirror_tap_alloc(struct net_device *source)
{
	struct mirror_tap *tap = kzalloc(sizeof(*tap), GFP_KERNEL);

	if (tap) {
		tap->pt.type = htons(ETH_P_ALL);
		tap->pt.dev = source;
		tap->pt.func = mirror_tap_rcv;
		tap->pt.ignore_outgoing = true;
	}
	return tap;
}

static void mirror_tap_sync(struct net_device *source, struct mirror_tap *tap)
{
	bool want = mirror_tap_wanted(source);

	if (want == tap->added)
		return;
	if (want) {
		if (tap->removed)
			synchronize_net();
		dev_add_pack(&tap->pt);
	} else {
		__dev_remove_pack(&tap->pt);
		tap->removed = true;
	}
	tap->added = want;
}

static void mirror_tap_free(struct mirror_tap *tap)
{
	if (tap->added)
		__dev_remove_pack(&tap->pt);
	kfree_rcu(tap, rcu);
}

static int mirror_probes_attach(void)
{
	int err;

	/*
	 * Probes and queued copies run module code: stay loaded. A write
	 * may come between rmmod's check that the module is unused and
	 * mirror_exit() removing the ops; it finds the module going.
	 */
	if (!try_module_get(THIS_MODULE))
		return -ENOPKG;

	/* Copies queued in a qdisc transmit go when it returns */
	static_branch_inc(&dev_xmit_flush_needed);
	err = register_trace_netif_receive_skb(mirror_rx_probe, NULL);
	if (err)
		goto err_put;

	err = register_trace_net_dev_start_xmit(mirror_tx_probe, NULL);
	if (err)
		goto err_unregister_rx;
	return 0;

err_unregister_rx:
	unregister_trace_netif_receive_skb(mirror_rx_probe, NULL);
	tracepoint_synchronize_unregister();
err_put:
	static_branch_dec(&dev_xmit_flush_needed);
	module_put(THIS_MODULE);
	return err;
}

static void mirror_probes_detach(void)
{
	unregister_trace_net_dev_start_xmit(mirror_tx_probe, NULL);
	unregister_trace_netif_receive_skb(mirror_rx_probe, NULL);
	static_branch_dec(&dev_xmit_flush_needed);
	module_put(THIS_MODULE);
}

/**
 * struct mirror_tunnel - what an external tunnel device takes of a session
 * @family: the collector's address family, AF_UNSPEC for either
 * @max_id: the largest key, VNI or session id it sends
 * @key_len: bytes a session's key adds to the header its MTU allows for
 * @erspan: whether it sends ERSPAN
 * @erspan_ver: the ERSPAN header its MTU allows for, as set on it
 */
struct mirror_tunnel {
	int	family;
	u32	max_id;
	u32	key_len;
	bool	erspan;
	u8	erspan_ver;
};

/*
 * Whether @dev is an external (collect_md) tunnel device, which takes
 * each frame's outer header from its metadata; then fill in @t
 */
static bool mirror_tunnel(const struct net_device *dev, struct mirror_tunnel *t)
{
	const char *kind = dev->rtnl_link_ops ? dev->rtnl_link_ops->kind : "";

	t->erspan = !strcmp(kind, "erspan") || !strcmp(kind, "ip6erspan");
	t->max_id = t->erspan ? ID_MASK : U32_MAX;
	/* An external gretap's MTU is for a GRE header without a key */
	t->key_len = t->erspan ? 0 : 4;
	if (!strcmp(kind, "gretap") || !strcmp(kind, "erspan")) {
		const struct ip_tunnel *tn = netdev_priv(dev);

		t->family = AF_INET;
		t->erspan_ver = tn->erspan_ver;
		return tn->collect_md;
	}
	if (!strcmp(kind, "ip6gretap") || !strcmp(kind, "ip6erspan")) {
		const struct ip6_tnl *tn = netdev_priv(dev);

		t->family = AF_INET6;
		t->erspan_ver = tn->parms.erspan_ver;
		return tn->parms.collect_md;
	}
	if (!strcmp(kind, "vxlan")) {
		const struct vxlan_dev *vx = netdev_priv(dev);

		t->family = AF_UNSPEC;
		t->max_id = VXLAN_VID_MASK;
		t->key_len = 0;
		return vx->cfg.flags & VXLAN_F_COLLECT_METADATA;
	}
	return false;
}

/*
 * Whether @to can take @opts' session, or needs one; 0 or the errno. An
 * ERSPAN session's version defaults to 1, which every collector reads.
 */
static int mirror_check_session(const struct net_device *to,
				struct mirror_opts *opts,
				const struct nlattr *attr,
				struct netlink_ext_ack *extack)
{
	struct mirror_tunnel t;
	bool tunnel = mirror_tunnel(to, &t);

	if (!opts->family && tunnel) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "Mirror to an external tunnel needs the collector's address");
		return -EINVAL;
	}
	if (!opts->family)
		return 0;
	if (!tunnel) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "Mirror destination is not an external tunnel device");
		return -EOPNOTSUPP;
	}
	if (t.family != AF_UNSPEC && t.family != opts->family) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "Collector's address family is not the tunnel's");
		return -EAFNOSUPPORT;
	}
	if (opts->id > t.max_id) {
		NL_SET_ERR_MSG_ATTR_FMT(extack, attr,
					"Session id above the tunnel's maximum, %u",
					t.max_id);
		return -ERANGE;
	}
	if (opts->erspan_ver && !t.erspan) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "ERSPAN version for a tunnel that is not ERSPAN");
		return -EOPNOTSUPP;
	}
	if (t.erspan && !opts->erspan_ver)
		opts->erspan_ver = 1;
	return 0;
}

/*
 * The outer header of @d's copies: to the collector, with the session's
 * id, a default TTL rather than the copied frame's, and, for ERSPAN
 * version 2, whether the source received (0) or sent (1) the frame
 */
static void mirror_session_init(struct ip_tunnel_info *info,
				const struct mirror_opts *opts, bool tx)
{
	struct erspan_metadata md = { .version = opts->erspan_ver };
	IP_TUNNEL_DECLARE_FLAGS(flags) = { };

	info->mode = IP_TUNNEL_INFO_TX;
	if (opts->family == AF_INET6) {
		info->mode |= IP_TUNNEL_INFO_IPV6;
		info->key.u.ipv6.dst = opts->remote.ip6;
	} else {
		info->key.u.ipv4.dst = opts->remote.ip4;
	}
	info->key.tun_id = key32_to_tunnel_id(cpu_to_be32(opts->id));
	info->key.ttl = IPDEFTTL;
	__set_bit(IP_TUNNEL_KEY_BIT, info->key.tun_flags);
	if (opts->erspan_ver) {
		if (opts->erspan_ver == 2)
			md.u.md2.dir = tx;
		__set_bit(IP_TUNNEL_ERSPAN_OPT_BIT, flags);
		ip_tunnel_info_opts_set(info, &md, sizeof(md), flags);
	}
}

static void mirror_session_put(const struct mirror_dest *d)
{
	if (d->tun[0]) {
		dst_release(&d->tun[0]->dst);
		dst_release(&d->tun[1]->dst);
	}
}

/* Give @d's session its outer headers, checked by mirror_check_session() */
static int mirror_session_alloc(struct mirror_dest *d)
{
	u8 optslen = d->opts.erspan_ver ? sizeof(struct erspan_metadata) : 0;
	struct metadata_dst *tun[2];
	struct mirror_tunnel t;
	int i;

	/*
	 * The device's MTU allows for its own header, ERSPAN's of the
	 * version set on the device: what the session adds to it, its
	 * copies leave out
	 */
	mirror_tunnel(d->dev, &t);
	d->tun_extra = t.key_len;
	/* vxlan's MTU allows for an IPv4 outer header (vxlan_headroom()) */
	if (t.family == AF_UNSPEC && d->opts.family == AF_INET6)
		d->tun_extra += sizeof(struct ipv6hdr) - sizeof(struct iphdr);
	if (d->opts.erspan_ver)
		d->tun_extra += erspan_hdr_len(d->opts.erspan_ver) -
				erspan_hdr_len(t.erspan_ver);
	for (i = 0; i < ARRAY_SIZE(tun); i++) {
		tun[i] = metadata_dst_alloc(optslen, METADATA_IP_TUNNEL,
					    GFP_KERNEL);
		if (!tun[i]) {
			if (i)
				dst_release(&tun[0]->dst);
			return -ENOMEM;
		}
		mirror_session_init(&tun[i]->u.tun_info, &d->opts, i);
		/* The tunnel caches its route to the collector there */
		if (dst_cache_init(&tun[i]->u.tun_info.dst_cache, GFP_KERNEL)) {
			dst_release(&tun[i]->dst);
			if (i)
				dst_release(&tun[0]->dst);
			return -ENOMEM;
		}
	}
	memcpy(d->tun, tun, sizeof(tun));
	return 0;
}

/* A reference on @d's session for another array that has the entry */
static void mirror_session_hold(const struct mirror_dest *d)
{
	if (d->tun[0]) {
		dst_hold(&d->tun[0]->dst);
		dst_hold(&d->tun[1]->dst);
	}
}

static struct netdev_mirror *mirror_alloc(struct net_device *source,
					  unsigned int count, gfp_t gfp)
{
	struct netdev_mirror *m;

	m = kzalloc(struct_size(m, dest, count), gfp);
	if (m) {
		m->source = source;
		m->count = count;
	}
	return m;
}

/* The directions @m's entries copy, and those in which all of them sample */
static void mirror_set_dirs(struct netdev_mirror *m)
{
	u32 unsampled = 0;
	unsigned int i;

	for (i = 0; i < m->count; i++) {
		m->dirs |= m->dest[i].opts.dir;
		if (m->dest[i].opts.sample <= 1)
			unsampled |= m->dest[i].opts.dir;
	}
	m->sampled_dirs = m->dirs & ~unsampled;
}

/*
 * An array replaced by another may still be read by a probe, and the
 * counters of an entry it alone had (@dead) by a copy in a backlog,
 * queued before the grace period: this runs after that period, and
 * drains the backlogs before freeing those.
 */
static void mirror_free_work(struct work_struct *work)
{
	struct netdev_mirror *m;
	unsigned int i;

	m = container_of(to_rcu_work(work), struct netdev_mirror, free_work);
	for (i = 0; i < m->count; i++) {
		if (m->dead_rates & BIT(i))
			kfree(m->dest[i].rate);
		mirror_session_put(&m->dest[i]);
	}
	if (m->dead) {
		mirror_backlog_drain();
		for (i = 0; i < m->count; i++)
			if (m->dead & BIT(i))
				free_percpu(m->dest[i].stats);
	}
	kfree(m);
}

/* Whether @m has an entry with the rate state @rate */
static bool mirror_has_rate(const struct netdev_mirror *m,
			    const struct mirror_rate *rate)
{
	unsigned int i;

	for (i = 0; m && i < m->count; i++)
		if (m->dest[i].rate == rate)
			return true;
	return false;
}

/*
 * Make @new the destinations of @source in place of @old; the entries of
 * @old in @dead are not in @new, and their references are dropped. The
 * rate states @new does not take go with @old.
 */
static void mirror_publish(struct net_device *source, struct netdev_mirror *old,
			   struct netdev_mirror *new, unsigned long dead)
{
	struct mirror_tap *tap = old ? old->tap : NULL;
	unsigned int i;

	if (old && new)
		list_replace(&old->list, &new->list);
	else if (new)
		list_add(&new->list, &mirror_sources);
	else
		list_del(&old->list);

	rcu_assign_pointer(source->mirror, new);
	if (tap && (!new || new->tap != tap))
		mirror_tap_free(tap);
	if (new && new->tap)
		mirror_tap_sync(source, new->tap);
	if (old) {
		old->dead = dead;
		for (i = 0; i < old->count; i++)
			if (old->dest[i].rate &&
			    !mirror_has_rate(new, old->dest[i].rate))
				old->dead_rates |= BIT(i);
		INIT_RCU_WORK(&old->free_work, mirror_free_work);
		queue_rcu_work(mirror_wq, &old->free_work);
	}
	if (list_empty(&mirror_sources))
		mirror_probes_detach();
}

static int mirror_find(const struct mirror_dest *dest, unsigned int count,
		       const struct net_device *dev)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if (dest[i].dev == dev)
			return i;
	return -ENOENT;
}

/* Whether @e keeps the entry whose counters are @stats */
static bool mirror_edit_keeps(const struct mirror_edit *e,
			      const struct mirror_stats __percpu *stats)
{
	unsigned int i;

	for (i = 0; i < e->count; i++)
		if (e->dest[i].stats == stats)
			return true;
	return false;
}

static void mirror_edit_start(struct mirror_edit *e, struct net_device *source)
{
	const struct netdev_mirror *m = rtnl_dereference(source->mirror);

	e->source = source;
	e->count = m ? m->count : 0;
	if (m)
		memcpy(e->dest, m->dest, m->count * sizeof(*m->dest));
}

/*
 * A frame's share of @d's rate, rounded up so that the rate is never
 * exceeded, and the slack that lets a burst of copies go back to back:
 * as many as set, else a tenth of a second's worth. The rate's state
 * comes with the next commit.
 */
static void mirror_rate_set(struct mirror_dest *d)
{
	u32 burst = d->opts.burst ?: DIV_ROUND_UP(d->opts.rate, 10);

	d->rate = NULL;
	d->interval = 0;
	d->slack = 0;
	if (d->opts.rate) {
		d->interval = DIV_ROUND_UP(NSEC_PER_SEC, d->opts.rate);
		d->slack = (u64)(burst - 1) * d->interval;
	}
}

static int mirror_edit_add(struct mirror_edit *e, struct net_device *to,
			   const struct mirror_opts *opts)
{
	struct mirror_dest *d;

	if (mirror_find(e->dest, e->count, to) >= 0)
		return -EEXIST;
	if (e->count >= NETDEV_MIRROR_MAX_DEST)
		return -ENOSPC;

	d = &e->dest[e->count++];
	memset(d, 0, sizeof(*d));
	d->dev = to;
	d->opts = *opts;
	mirror_rate_set(d);
	return 0;
}

static int mirror_edit_del(struct mirror_edit *e, struct net_device *to)
{
	int i = mirror_find(e->dest, e->count, to);

	if (i < 0)
		return i;
	e->count--;
	memmove(e->dest + i, e->dest + i + 1,
		(e->count - i) * sizeof(*e->dest));
	return 0;
}

/*
 * Publish an edited table. Entries added by the edit get counters and a
 * reference on their device; entries of the old table left out of it
 * lose theirs. On failure nothing is published or changed.
 */
static int mirror_edit_commit(struct mirror_edit *e)
{
	struct netdev_mirror *old = rtnl_dereference(e->source->mirror);
	unsigned long fresh = 0, fresh_rates = 0, fresh_tuns = 0, dead = 0;
	struct netdev_mirror *new = NULL;
	int err = -ENOMEM;
	unsigned int i;

	for (i = 0; i < e->count; i++) {
		struct mirror_dest *d = &e->dest[i];

		if (d->opts.rate && !d->rate) {
			d->rate = kzalloc(sizeof(*d->rate), GFP_KERNEL);
			if (!d->rate)
				goto err_free;
			fresh_rates |= BIT(i);
		}
		if (d->opts.family && !d->tun[0]) {
			if (mirror_session_alloc(d))
				goto err_free;
			fresh_tuns |= BIT(i);
		}
		if (d->stats)
			continue;
		d->stats = netdev_alloc_pcpu_stats(struct mirror_stats);
		if (!d->stats)
			goto err_free;
		fresh |= BIT(i);
	}

	if (e->count) {
		new = mirror_alloc(e->source, e->count, GFP_KERNEL);
		if (!new)
			goto err_free;
		memcpy(new->dest, e->dest, e->count * sizeof(*e->dest));
		mirror_set_dirs(new);
		if (new->dirs & MIRROR_RX) {
			new->tap = old ? old->tap : NULL;
			if (!new->tap)
				new->tap = mirror_tap_alloc(e->source);
			if (!new->tap)
				goto err_free;
		}
	}

	if (!old && new && list_empty(&mirror_sources)) {
		err = mirror_probes_attach();
		if (err)
			goto err_free;
	}

	for (i = 0; i < e->count; i++) {
		if (fresh & BIT(i))
			netdev_hold(new->dest[i].dev, &new->dest[i].tracker,
				    GFP_KERNEL);
		if (!(fresh_tuns & BIT(i)))
			mirror_session_hold(&new->dest[i]);
	}
	for (i = 0; old && i < old->count; i++) {
		if (!mirror_edit_keeps(e, old->dest[i].stats)) {
			netdev_put(old->dest[i].dev, &old->dest[i].tracker);
			dead |= BIT(i);
		}
	}

	if (old || new)
		mirror_publish(e->source, old, new, dead);
	return 0;

err_free:
	if (new && new->tap && (!old || new->tap != old->tap))
		kfree(new->tap);
	kfree(new);
	for (i = 0; i < e->count; i++) {
		if (fresh & BIT(i)) {
			free_percpu(e->dest[i].stats);
			e->dest[i].stats = NULL;
		}
		if (fresh_rates & BIT(i)) {
			kfree(e->dest[i].rate);
			e->dest[i].rate = NULL;
		}
		if (fresh_tuns & BIT(i)) {
			mirror_session_put(&e->dest[i]);
			memset(e->dest[i].tun, 0, sizeof(e->dest[i].tun));
		}
	}
	return err;
}

static void mirror_remove_all(struct netdev_mirror *old)
{
	unsigned int i;

	for (i = 0; i < old->count; i++)
		netdev_put(old->dest[i].dev, &old->dest[i].tracker);
	mirror_publish(old->source, old, NULL, BIT(old->count) - 1);
}

/*
 * Drop destination @i of @old. Unregistration needs this and cannot
 * fail or wait: without memory for the smaller array, the source loses
 * all its destinations, which takes none.
 */
static void mirror_remove(struct netdev_mirror *old, unsigned int i)
{
	struct netdev_mirror *new = NULL;
	unsigned int n = old->count - 1;
	unsigned int j;

	if (n) {
		new = mirror_alloc(old->source, n, GFP_KERNEL);
		if (unlikely(!new)) {
			net_warn_ratelimited("%s: out of memory: all port mirrors removed\n",
					     netdev_name(old->source));
			mirror_remove_all(old);
			return;
		}
		memcpy(new->dest, old->dest, i * sizeof(*new->dest));
		memcpy(new->dest + i, old->dest + i + 1,
		       (n - i) * sizeof(*new->dest));
		for (j = 0; j < n; j++)
			mirror_session_hold(&new->dest[j]);
		mirror_set_dirs(new);
		if (new->dirs & MIRROR_RX)
			new->tap = old->tap;
	}
	netdev_put(old->dest[i].dev, &old->dest[i].tracker);
	mirror_publish(old->source, old, new, BIT(i));
}

/* Whether @to may be a destination of @dev; 0 or the errno */
static int mirror_check_dest(struct net_device *dev, struct net_device *to,
			     const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	if (to == dev) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "Device cannot mirror to itself");
		return -EINVAL;
	}
	if (to->type != dev->type) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "Mirror destination has another link-layer type");
		return -EOPNOTSUPP;
	}
	if (netdev_has_upper_dev(dev, to) || netdev_has_upper_dev(to, dev)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "Mirror destination is stacked on the device or under it");
		return -ELOOP;
	}
	return 0;
}

/* Tell listeners of RTM_NEWLINK that a source's table changed */
static void mirror_notify(struct net_device *source)
{
	rtmsg_ifinfo(RTM_NEWLINK, source, 0, GFP_KERNEL, 0, NULL);
}

static int mirror_update(struct net_device *dev, const char *req, size_t len)
{
	struct mirror_opts opts = mirror_default_opts;
	struct mirror_edit e;
	char name[IFNAMSIZ];
	struct net_device *to;
	bool remove = false;
	int err;

	ASSERT_RTNL();

	if (len && (req[0] == '+' || req[0] == '-')) {
		remove = req[0] == '-';
		req++;
		len--;
	}
	if (!len || len >= IFNAMSIZ)
		return -EINVAL;
	memcpy(name, req, len);
	name[len] = '\0';
	/* An embedded NUL would silently shorten the name */
	if (strlen(name) != len || !dev_valid_name(name))
		return -EINVAL;

	to = __dev_get_by_name(dev_net(dev), name);
	if (!to)
		return -ENODEV;

	if (!remove) {
		err = mirror_check_dest(dev, to, NULL, NULL) ?:
		      mirror_check_session(to, &opts, NULL, NULL);
		if (err)
			return err;
	}

	mirror_edit_start(&e, dev);
	if (remove)
		err = mirror_edit_del(&e, to);
	else
		err = mirror_edit_add(&e, to, &opts);
	if (!err)
		err = mirror_edit_commit(&e);
	if (!err)
		mirror_notify(dev);
	return err;
}

static ssize_t mirror_show(const struct net_device *dev, char *buf)
{
	const struct netdev_mirror *m = rtnl_dereference(dev->mirror);
	unsigned int i;
	int len = 0;

	for (i = 0; m && i < m->count; i++)
		len += sysfs_emit_at(buf, len, "%s%s", i ? " " : "",
				     m->dest[i].dev->name);
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

/* Apply the options present in @tb to @opts */
static int mirror_nl_opts(struct mirror_opts *opts, struct nlattr **tb,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *snaplen = tb[IFLA_MIRROR_ENTRY_SNAPLEN];

	if (snaplen) {
		u32 len = nla_get_u32(snaplen);

		if (len && len < MIRROR_SNAPLEN_MIN) {
			NL_SET_ERR_MSG_ATTR_FMT(extack, snaplen,
						"Snap length must be 0 or at least %u",
						MIRROR_SNAPLEN_MIN);
			return -ERANGE;
		}
		opts->snaplen = len;
	}
	if (tb[IFLA_MIRROR_ENTRY_DIRECTION])
		opts->dir = nla_get_u32(tb[IFLA_MIRROR_ENTRY_DIRECTION]);
	if (tb[IFLA_MIRROR_ENTRY_SAMPLE])
		opts->sample = nla_get_u32(tb[IFLA_MIRROR_ENTRY_SAMPLE]);
	if (tb[IFLA_MIRROR_ENTRY_PRIORITY]) {
		opts->priority = nla_get_u32(tb[IFLA_MIRROR_ENTRY_PRIORITY]);
		opts->set_priority = true;
	}
	if (tb[IFLA_MIRROR_ENTRY_RATE])
		opts->rate = nla_get_u32(tb[IFLA_MIRROR_ENTRY_RATE]);
	if (tb[IFLA_MIRROR_ENTRY_BURST])
		opts->burst = nla_get_u32(tb[IFLA_MIRROR_ENTRY_BURST]);

	if (tb[IFLA_MIRROR_ENTRY_REMOTE] && tb[IFLA_MIRROR_ENTRY_REMOTE6]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_MIRROR_ENTRY_REMOTE6],
				    "A session has one collector address");
		return -EINVAL;
	}
	if (tb[IFLA_MIRROR_ENTRY_REMOTE]) {
		memset(&opts->remote, 0, sizeof(opts->remote));
		opts->remote.ip4 = nla_get_in_addr(tb[IFLA_MIRROR_ENTRY_REMOTE]);
		opts->family = AF_INET;
	}
	if (tb[IFLA_MIRROR_ENTRY_REMOTE6]) {
		opts->remote.ip6 = nla_get_in6_addr(tb[IFLA_MIRROR_ENTRY_REMOTE6]);
		opts->family = AF_INET6;
	}
	if ((opts->family == AF_INET && !opts->remote.ip4) ||
	    (opts->family == AF_INET6 && ipv6_addr_any(&opts->remote.ip6))) {
		NL_SET_ERR_MSG(extack, "Collector address unspecified");
		return -EINVAL;
	}
	if (!opts->family && (tb[IFLA_MIRROR_ENTRY_ID] ||
			      tb[IFLA_MIRROR_ENTRY_ERSPAN_VER])) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_MIRROR_ENTRY_ID] ?:
				    tb[IFLA_MIRROR_ENTRY_ERSPAN_VER],
				    "A session id or version needs the collector's address");
		return -EINVAL;
	}
	if (tb[IFLA_MIRROR_ENTRY_ID])
		opts->id = nla_get_u32(tb[IFLA_MIRROR_ENTRY_ID]);
	if (tb[IFLA_MIRROR_ENTRY_ERSPAN_VER])
		opts->erspan_ver = nla_get_u32(tb[IFLA_MIRROR_ENTRY_ERSPAN_VER]);
	return 0;
}

/* Apply one IFLA_MIRROR_ADD, _CHANGE or _DEL request to @e */
static int mirror_nl_request(struct mirror_edit *e, const struct nlattr *req,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[IFLA_MIRROR_ENTRY_MAX + 1];
	struct net_device *dev = e->source;
	struct mirror_opts opts;
	struct mirror_dest *d;
	struct net_device *to;
	struct nlattr *index;
	bool rate, session;
	int err, i;

	/* Entries and their counters are what a reply reports */
	if (nla_type(req) == IFLA_MIRROR_ENTRY) {
		NL_SET_ERR_MSG_ATTR(extack, req,
				    "Use IFLA_MIRROR_ADD, _CHANGE or _DEL");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, IFLA_MIRROR_ENTRY_MAX, req,
			       ifla_mirror_entry_policy, extack);
	if (err)
		return err;
	if (tb[IFLA_MIRROR_ENTRY_STATS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_MIRROR_ENTRY_STATS],
				    "Mirror counters are read only");
		return -EINVAL;
	}

	if (NL_REQ_ATTR_CHECK(extack, req, tb, IFLA_MIRROR_ENTRY_IFINDEX)) {
		NL_SET_ERR_MSG(extack, "Mirror destination ifindex missing");
		return -EINVAL;
	}
	index = tb[IFLA_MIRROR_ENTRY_IFINDEX];
	to = __dev_get_by_index(dev_net(dev), nla_get_u32(index));
	if (!to) {
		NL_SET_ERR_MSG_ATTR(extack, index, "Mirror destination not found");
		return -ENODEV;
	}

	switch (nla_type(req)) {
	case IFLA_MIRROR_ADD:
		err = mirror_check_dest(dev, to, index, extack);
		if (err)
			return err;
		opts = mirror_default_opts;
		err = mirror_nl_opts(&opts, tb, extack) ?:
		      mirror_check_session(to, &opts, index, extack);
		if (err)
			return err;
		err = mirror_edit_add(e, to, &opts);
		if (err == -EEXIST)
			NL_SET_ERR_MSG_ATTR(extack, index,
					    "Device already mirrors to this destination");
		else if (err == -ENOSPC)
			NL_SET_ERR_MSG_ATTR_FMT(extack, req,
						"Device already has %u mirror destinations",
						NETDEV_MIRROR_MAX_DEST);
		return err;
	case IFLA_MIRROR_CHANGE:
		i = mirror_find(e->dest, e->count, to);
		if (i < 0)
			break;
		d = &e->dest[i];
		opts = d->opts;
		err = mirror_nl_opts(&opts, tb, extack) ?:
		      mirror_check_session(to, &opts, index, extack);
		if (err)
			return err;
		rate = opts.rate != d->opts.rate || opts.burst != d->opts.burst;
		session = opts.family != d->opts.family || opts.id != d->opts.id ||
			  opts.erspan_ver != d->opts.erspan_ver ||
			  memcmp(&opts.remote, &d->opts.remote, sizeof(opts.remote));
		d->opts = opts;
		/* A new rate or burst starts afresh, with a full burst */
		if (rate)
			mirror_rate_set(d);
		/* The commit makes the new session's headers; the old
		 * ones stay with the array that has them
		 */
		if (session)
			memset(d->tun, 0, sizeof(d->tun));
		return 0;
	default:	/* IFLA_MIRROR_DEL */
		for (i = IFLA_MIRROR_ENTRY_IFINDEX + 1;
		     i <= IFLA_MIRROR_ENTRY_MAX; i++) {
			if (tb[i]) {
				NL_SET_ERR_MSG_ATTR(extack, req,
						    "Removing a mirror takes no options");
				return -EINVAL;
			}
		}
		if (!mirror_edit_del(e, to))
			return 0;
		break;
	}
	NL_SET_ERR_MSG_ATTR(extack, index, "Device does not mirror to this destination");
	return -ENOENT;
}

static int mirror_setlink(struct net_device *dev, const struct nlattr *attr,
			  struct netlink_ext_ack *extack)
{
	const struct nlattr *req;
	struct mirror_edit e;
	int err, rem;

	ASSERT_RTNL();

	/* rtnetlink validated @attr against ifla_mirror_policy */
	if (!nla_len(attr))
		return 0;

	mirror_edit_start(&e, dev);
	nla_for_each_nested(req, attr, rem) {
		err = mirror_nl_request(&e, req, extack);
		if (err)
			return err;
	}

	err = mirror_edit_commit(&e);
	if (err) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "Cannot set up the mirror table");
		return err;
	}
	mirror_notify(dev);
	return 0;
}

/* The counters of entry @d, summed over the CPUs, into @t */
static void mirror_stats_read(const struct mirror_dest *d,
			      u64 t[MIRROR_NR_COUNTERS])
{
	int cpu, i;

	memset(t, 0, MIRROR_NR_COUNTERS * sizeof(*t));
	for_each_possible_cpu(cpu) {
		const struct mirror_stats *s = per_cpu_ptr(d->stats, cpu);
		u64 v[MIRROR_NR_COUNTERS];
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < MIRROR_NR_COUNTERS; i++)
				v[i] = u64_stats_read(&s->cnt[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (i = 0; i < MIRROR_NR_COUNTERS; i++)
			t[i] += v[i];
	}
}

static int mirror_fill_stats(struct sk_buff *skb, const struct mirror_dest *d)
{
	u64 t[MIRROR_NR_COUNTERS];
	struct nlattr *nest;
	int i;

	mirror_stats_read(d, t);
	nest = nla_nest_start(skb, IFLA_MIRROR_ENTRY_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < MIRROR_NR_COUNTERS; i++) {
		if (nla_put_uint(skb, IFLA_MIRROR_STATS_PACKETS + i, t[i]))
			return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int mirror_fill_session(struct sk_buff *skb,
			       const struct mirror_opts *opts)
{
	switch (opts->family) {
	case AF_INET:
		if (nla_put_in_addr(skb, IFLA_MIRROR_ENTRY_REMOTE,
				    opts->remote.ip4))
			return -EMSGSIZE;
		break;
	case AF_INET6:
		if (nla_put_in6_addr(skb, IFLA_MIRROR_ENTRY_REMOTE6,
				     &opts->remote.ip6))
			return -EMSGSIZE;
		break;
	default:
		return 0;
	}
	if (nla_put_u32(skb, IFLA_MIRROR_ENTRY_ID, opts->id) ||
	    (opts->erspan_ver &&
	     nla_put_u32(skb, IFLA_MIRROR_ENTRY_ERSPAN_VER, opts->erspan_ver)))
		return -EMSGSIZE;
	return 0;
}

static int mirror_fill_info(struct sk_buff *skb, const struct net_device *dev,
			    u32 ext_filter_mask)
{
	const struct netdev_mirror *m = rtnl_dereference(dev->mirror);
	struct nlattr *table, *entry;
	unsigned int i;

	if (!m)
		return 0;

	table = nla_nest_start(skb, IFLA_MIRROR);
	if (!table)
		return -EMSGSIZE;
	for (i = 0; i < m->count; i++) {
		const struct mirror_dest *d = &m->dest[i];

		entry = nla_nest_start(skb, IFLA_MIRROR_ENTRY);
		if (!entry ||
		    nla_put_u32(skb, IFLA_MIRROR_ENTRY_IFINDEX, d->dev->ifindex) ||
		    nla_put_u32(skb, IFLA_MIRROR_ENTRY_DIRECTION, d->opts.dir) ||
		    nla_put_u32(skb, IFLA_MIRROR_ENTRY_SNAPLEN, d->opts.snaplen) ||
		    nla_put_u32(skb, IFLA_MIRROR_ENTRY_SAMPLE,
				max(d->opts.sample, 1U)) ||
		    nla_put_u32(skb, IFLA_MIRROR_ENTRY_RATE, d->opts.rate) ||
		    nla_put_u32(skb, IFLA_MIRROR_ENTRY_BURST, d->opts.burst) ||
		    (d->opts.set_priority &&
		     nla_put_u32(skb, IFLA_MIRROR_ENTRY_PRIORITY,
				 d->opts.priority)) ||
		    mirror_fill_session(skb, &d->opts))
			goto err_cancel;
		if (!(ext_filter_mask & RTEXT_FILTER_SKIP_STATS) &&
		    mirror_fill_stats(skb, d))
			goto err_cancel;
		nla_nest_end(skb, entry);
	}
	nla_nest_end(skb, table);
	return 0;

err_cancel:
	nla_nest_cancel(skb, table);
	return -EMSGSIZE;
}

/*
 * Entries follow devices: unregistration, which a move to another netns
 * also sends, drops every entry of the device and every entry naming it.
 * It comes again for a device that is slow to go; there is then nothing
 * left to do.
 */
static void mirror_dev_unregister(struct net_device *dev)
{
	struct netdev_mirror *m, *tmp;
	struct net_device *source;
	int i;

	m = rtnl_dereference(dev->mirror);
	if (m)
		mirror_remove_all(m);

	list_for_each_entry_safe(m, tmp, &mirror_sources, list) {
		i = mirror_find(m->dest, m->count, dev);
		if (i >= 0) {
			source = m->source;
			mirror_remove(m, i);
			mirror_notify(source);
		}
	}
}

/*
 * A device whose link-layer type changed (a bond taking its first port
 * of another type) can no longer carry, or be carried by, the frames of
 * the other end of its entries: drop those, as a write would have been
 * refused.
 */
static void mirror_dev_type_change(struct net_device *dev)
{
	struct netdev_mirror *m, *tmp;
	struct net_device *source;
	bool changed = false;
	unsigned int i;
	int j;

again:
	m = rtnl_dereference(dev->mirror);
	for (i = 0; m && i < m->count; i++) {
		if (m->dest[i].dev->type != dev->type) {
			mirror_remove(m, i);
			changed = true;
			goto again;
		}
	}
	if (changed)
		mirror_notify(dev);

	list_for_each_entry_safe(m, tmp, &mirror_sources, list) {
		if (m->source->type == dev->type)
			continue;
		j = mirror_find(m->dest, m->count, dev);
		if (j >= 0) {
			source = m->source;
			mirror_remove(m, j);
			mirror_notify(source);
		}
	}
}

/*
 * An upper device that gains its first lower device, or loses its last.
 * Should a notifier refuse a link, the link is undone without another
 * event: a tap may stay until the next edit, where it copies nothing.
 */
static void
mirror_dev_change_upper(const struct netdev_notifier_changeupper_info *info)
{
	struct net_device *upper = info->upper_dev;
	struct netdev_mirror *m;

	m = rtnl_dereference(upper->mirror);
	if (m && m->tap)
		mirror_tap_sync(upper, m->tap);
}

static int mirror_netdev_event(struct notifier_block *nb,
			       unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	switch (event) {
	case NETDEV_UNREGISTER:
		mirror_dev_unregister(dev);
		break;
	case NETDEV_POST_TYPE_CHANGE:
		mirror_dev_type_change(dev);
		break;
	case NETDEV_CHANGEUPPER:
		mirror_dev_change_upper(ptr);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block mirror_netdev_notifier = {
	.notifier_call = mirror_netdev_event,
};

static const struct netdev_mirror_ops mirror_ops = {
	.update		= mirror_update,
	.show		= mirror_show,
	.setlink	= mirror_setlink,
	.fill_info	= mirror_fill_info,
};

/*
 * A CPU that went offline left its copies to the CPU its NAPI moved to
 * (dev_cpu_dead()). Before it comes back and queues again on a queue
 * that takes no lock, that NAPI must be done with them: nothing is
 * queued there meanwhile, so it soon is.
 */
static int mirror_cpu_prepare(unsigned int cpu)
{
	napi_synchronize(&per_cpu_ptr(mirror_backlogs, cpu)->napi);
	return 0;
}

static void mirror_backlogs_free(void)
{
	int cpu;

	if (mirror_cpuhp_state > 0)
		cpuhp_remove_state_nocalls(mirror_cpuhp_state);
	for_each_possible_cpu(cpu) {
		struct mirror_backlog *bl = per_cpu_ptr(mirror_backlogs, cpu);

		napi_disable(&bl->napi);
		__netif_napi_del(&bl->napi);
	}
	/*
	 * As gro_cells_destroy(): readers of the device's NAPI list, and
	 * a poll's last instructions after it let go of its NAPI
	 */
	synchronize_net();
	free_netdev(mirror_napi_dev);
	free_percpu(mirror_backlogs);
}

static int mirror_backlogs_alloc(void)
{
	int cpu, ret;

	mirror_backlogs = alloc_percpu(struct mirror_backlog);
	if (!mirror_backlogs)
		return -ENOMEM;

	mirror_napi_dev = alloc_netdev_dummy(0);
	if (!mirror_napi_dev) {
		free_percpu(mirror_backlogs);
		return -ENOMEM;
	}
	/* Never registered: the name is what napi_poll traces show */
	strscpy(mirror_napi_dev->name, "mirror");

	for_each_possible_cpu(cpu) {
		struct mirror_backlog *bl = per_cpu_ptr(mirror_backlogs, cpu);

		__skb_queue_head_init(&bl->queue);
		bl->flush_tail = &bl->flush;
		set_bit(NAPI_STATE_NO_BUSY_POLL, &bl->napi.state);
		netif_napi_add(mirror_napi_dev, &bl->napi, mirror_backlog_poll);
		napi_enable(&bl->napi);
	}

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"net/mirror:prepare",
					mirror_cpu_prepare, NULL);
	if (ret < 0) {
		mirror_backlogs_free();
		return ret;
	}
	mirror_cpuhp_state = ret;
	return 0;
}

static int __init mirror_init(void)
{
	int err;

	err = mirror_backlogs_alloc();
	if (err)
		return err;

	mirror_wq = alloc_workqueue("mirror", 0, 0);
	if (!mirror_wq) {
		err = -ENOMEM;
		goto err_backlogs;
	}

	err = register_netdevice_notifier(&mirror_netdev_notifier);
	if (err)
		goto err_wq;

	dev_xmit_set_flush(mirror_backlog_flush);
	rtnl_lock();
	netdev_mirror_set_ops(&mirror_ops);
	rtnl_unlock();
	return 0;

err_wq:
	destroy_workqueue(mirror_wq);
err_backlogs:
	mirror_backlogs_free();
	return err;
}

static void __exit mirror_exit(void)
{
	rtnl_lock();
	netdev_mirror_set_ops(NULL);
	rtnl_unlock();
	unregister_netdevice_notifier(&mirror_netdev_notifier);

	/* No entry is left, as each holds the module: let the last probe
	 * and tap (both under RCU) finish, then the copies they queued, then
	 * the replaced arrays and removed taps go.
	 */
	tracepoint_synchronize_unregister();
	/* The transmits that queued copies returned, and sent them */
	dev_xmit_set_flush(NULL);
	mirror_backlog_drain();
	rcu_barrier();
	destroy_workqueue(mirror_wq);
	mirror_backlogs_free();
}

module_init(mirror_init);
module_exit(mirror_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Port mirroring of network devices");
