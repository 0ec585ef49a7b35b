// SPDX-License-Identifier: GPL-2.0-only
/*
 * Port mirroring: every frame a device sends or receives also goes out of
 * the destinations configured in its mirror_to attribute.
 *
 * Probes on the netif_receive_skb and net_dev_start_xmit tracepoints are
 * attached only while some device has a destination. A device's
 * destinations are an immutable array behind dev->mirror, replaced under
 * RTNL and read under RCU, so the probe's lookup is one load. Each copy
 * carries skb->mirror_copy, which no tunnel, veth or netns crossing
 * clears, so that a copy is never mirrored again.
 *
 * See Documentation/networking/port-mirroring.rst.
 */

#include <linux/if_arp.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/cpuhotplug.h>
#include <linux/delay.h>
#include <linux/percpu.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <net/dst.h>
#include <net/mirror.h>
#include <net/sch_generic.h>
#include <trace/events/net.h>

/* Copies a CPU may hold back while it owns a source's TX lock */
#define MIRROR_BACKLOG_MAX	1000

struct mirror_dest {
	struct net_device	*dev;
	netdevice_tracker	tracker;
};

/**
 * struct netdev_mirror - the destinations of one source device
 * @list: entry in mirror_sources; protected by RTNL
 * @rcu: frees the array once no probe can be reading it
 * @source: the device whose dev->mirror points here
 * @count: number of destinations
 * @dest: destinations in the order they were added, each holding a
 *	reference on its device
 */
struct netdev_mirror {
	struct list_head	list;
	struct rcu_head		rcu;
	struct net_device	*source;
	unsigned int		count;
	struct mirror_dest	dest[] __counted_by(count);
};

/**
 * struct mirror_backlog - copies taken under a source's TX lock
 * @queue: copies, each holding a reference on its destination
 * @napi: sends them in softirq once the lock is released, as gro_cells
 *	do their packets
 * @queued: copies ever queued here; written by this CPU only
 * @done: of those, the copies sent or dropped; written by the NAPI poll
 *
 * @queue takes no lock: it is used by its own CPU with BH disabled and,
 * while that CPU is offline, by the one its NAPI moved to, which is done
 * with it before the CPU comes back (mirror_cpu_prepare()).
 */
struct mirror_backlog {
	struct sk_buff_head	queue;
	struct napi_struct	napi;
	unsigned long		queued;
	unsigned long		done;
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
static void mirror_xmit(struct sk_buff *copy)
{
	struct net_device *to = copy->dev;
	/* A root qdisc, or noqueue, is every queue's */
	bool queued = !qdisc_txq_has_no_queue(netdev_get_tx_queue(to, 0));
	bool direct = !queued && !skb_is_gso(copy) && !mirror_egress_hooked(to);
	u16 q = 0;

	if (direct) {
		struct netdev_queue *txq;

		q = mirror_pick_tx(to, copy);
		txq = netdev_get_tx_queue(to, q);
		direct = READ_ONCE(txq->xmit_lock_owner) != smp_processor_id();
	}
	if (direct) {
		if (dev_nit_active(to))
			dev_queue_xmit_nit(copy, to);
		/* It counts the drops it makes, but leaves a busy skb */
		if (__dev_direct_xmit(copy, q) == NETDEV_TX_BUSY) {
			dev_core_stats_tx_dropped_inc(to);
			kfree_skb(copy);
		}
		return;
	}

	/*
	 * Drivers count the drops they make: only a qdisc's, which no
	 * device counter sees, are added here.
	 */
	if (dev_queue_xmit(copy) == NET_XMIT_DROP && queued)
		dev_core_stats_tx_dropped_inc(to);
}

static int mirror_backlog_poll(struct napi_struct *napi, int budget)
{
	struct mirror_backlog *bl;
	struct sk_buff *copy;
	int work = 0;

	bl = container_of(napi, struct mirror_backlog, napi);
	while (work < budget && (copy = __skb_dequeue(&bl->queue))) {
		struct net_device *to = copy->dev;

		mirror_xmit(copy);
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

static void mirror_backlog_add(struct sk_buff *copy)
{
	struct mirror_backlog *bl = this_cpu_ptr(mirror_backlogs);

	if (unlikely(skb_queue_len(&bl->queue) >= MIRROR_BACKLOG_MAX)) {
		dev_core_stats_tx_dropped_inc(copy->dev);
		kfree_skb(copy);
		return;
	}
	/* The copy outlives this RCU section: pin its device until sent */
	dev_hold(copy->dev);
	__skb_queue_tail(&bl->queue, copy);
	WRITE_ONCE(bl->queued, bl->queued + 1);
	if (skb_queue_len(&bl->queue) == 1)
		napi_schedule(&bl->napi);
}

/*
 * Sending a copy from inside the source's transmit takes the
 * destination's locks under the source's: its TX lock, held unless the
 * driver is LLTX, and its qdisc's busylock, held across the transmit
 * when contended. That is an ABBA deadlock against a mirror the other
 * way, and a lockdep report. Such copies wait in a per-CPU backlog,
 * sent once the lock is released.
 */
static bool mirror_must_defer(const struct sk_buff *skb,
			      const struct net_device *dev)
{
	const struct netdev_queue *txq = skb_get_tx_queue(dev, skb);

	return !qdisc_txq_has_no_queue(txq) ||
	       READ_ONCE(txq->xmit_lock_owner) == smp_processor_id() ||
	       dev_xmit_recursion();
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

static void mirror_one(struct sk_buff *skb, struct net_device *to,
		       bool rx, bool defer)
{
	struct sk_buff *copy;

	if (unlikely(!(READ_ONCE(to->flags) & IFF_UP) ||
		     !netif_carrier_ok(to)))
		goto drop;

	copy = skb_clone(skb, GFP_ATOMIC);
	if (unlikely(!copy))
		goto drop;

	if (rx)
		mirror_rx_headers(copy, to);

	copy->mirror_copy = 1;
	copy->dev = to;
	skb_dst_drop(copy);
	nf_reset_ct(copy);
	skb_clear_tstamp(copy);
	/* Not the source's queue, nor its receive queue: the destination's */
	skb_set_queue_mapping(copy, 0);

	if (defer)
		mirror_backlog_add(copy);
	else
		mirror_xmit(copy);
	return;

drop:
	dev_core_stats_tx_dropped_inc(to);
}

static void mirror_frame(struct sk_buff *skb, const struct net_device *dev,
			 const struct netdev_mirror *m, bool rx)
{
	bool defer = false;
	unsigned int i;

	if (skb->mirror_copy)
		return;

	if (rx) {
		/* Skip what the packet taps skip: frames looped back to us
		 * (already mirrored on transmit) and emergency memory.
		 */
		if (unlikely(skb->pkt_type == PACKET_LOOPBACK ||
			     skb_pfmemalloc(skb)))
			return;
	} else {
		defer = mirror_must_defer(skb, dev);
	}

	for (i = 0; i < m->count; i++)
		mirror_one(skb, m->dest[i].dev, rx, defer);
}

/*
 * The probes run for every frame of every device while any mirror
 * exists: test for one before calling into mirror_frame(), whose
 * register saves an unmirrored frame would otherwise pay for.
 * Tracepoint probes run with preemption disabled.
 */
static void mirror_rx_probe(void *unused, struct sk_buff *skb)
{
	const struct netdev_mirror *m = rcu_dereference_sched(skb->dev->mirror);

	if (unlikely(m))
		mirror_frame(skb, skb->dev, m, true);
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
		mirror_frame((struct sk_buff *)skb, dev, m, false);
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
	module_put(THIS_MODULE);
	return err;
}

static void mirror_probes_detach(void)
{
	unregister_trace_net_dev_start_xmit(mirror_tx_probe, NULL);
	unregister_trace_netif_receive_skb(mirror_rx_probe, NULL);
	module_put(THIS_MODULE);
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

/* Make @new the destinations of its source in place of @old */
static void mirror_publish(struct netdev_mirror *old, struct netdev_mirror *new)
{
	struct net_device *source = old ? old->source : new->source;

	if (old && new)
		list_replace(&old->list, &new->list);
	else if (new)
		list_add(&new->list, &mirror_sources);
	else
		list_del(&old->list);

	rcu_assign_pointer(source->mirror, new);
	if (old)
		kfree_rcu(old, rcu);
	if (list_empty(&mirror_sources))
		mirror_probes_detach();
}

static int mirror_find(const struct netdev_mirror *m,
		       const struct net_device *dev)
{
	unsigned int i;

	for (i = 0; m && i < m->count; i++)
		if (m->dest[i].dev == dev)
			return i;
	return -ENOENT;
}

static int mirror_add(struct net_device *dev, struct net_device *to)
{
	struct netdev_mirror *old = rtnl_dereference(dev->mirror);
	unsigned int n = old ? old->count : 0;
	struct netdev_mirror *new;
	int err;

	if (mirror_find(old, to) >= 0)
		return -EEXIST;
	if (n >= NETDEV_MIRROR_MAX_DEST)
		return -ENOSPC;

	new = mirror_alloc(dev, n + 1, GFP_KERNEL);
	if (!new)
		return -ENOMEM;

	if (list_empty(&mirror_sources)) {
		err = mirror_probes_attach();
		if (err) {
			kfree(new);
			return err;
		}
	}

	if (old)
		memcpy(new->dest, old->dest, n * sizeof(*new->dest));
	new->dest[n].dev = to;
	netdev_hold(to, &new->dest[n].tracker, GFP_KERNEL);
	mirror_publish(old, new);
	return 0;
}

/* Drop destination @i of @old; cannot fail, as unregistration needs it */
static void mirror_remove(struct netdev_mirror *old, unsigned int i)
{
	struct netdev_mirror *new = NULL;
	unsigned int n = old->count - 1;

	netdev_put(old->dest[i].dev, &old->dest[i].tracker);
	if (n) {
		/* At most NETDEV_MIRROR_MAX_DEST entries: a small allocation */
		new = mirror_alloc(old->source, n, GFP_KERNEL | __GFP_NOFAIL);
		memcpy(new->dest, old->dest, i * sizeof(*new->dest));
		memcpy(new->dest + i, old->dest + i + 1,
		       (n - i) * sizeof(*new->dest));
	}
	mirror_publish(old, new);
}

static void mirror_remove_all(struct netdev_mirror *old)
{
	unsigned int i;

	for (i = 0; i < old->count; i++)
		netdev_put(old->dest[i].dev, &old->dest[i].tracker);
	mirror_publish(old, NULL);
}

static int mirror_update(struct net_device *dev, const char *req, size_t len)
{
	struct netdev_mirror *m = rtnl_dereference(dev->mirror);
	char name[IFNAMSIZ];
	struct net_device *to;
	bool remove = false;
	int i;

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

	if (remove) {
		i = mirror_find(m, to);
		if (i < 0)
			return i;
		mirror_remove(m, i);
		return 0;
	}

	if (to == dev)
		return -EINVAL;
	if (to->type != dev->type)
		return -EOPNOTSUPP;
	if (netdev_has_upper_dev(dev, to) || netdev_has_upper_dev(to, dev))
		return -ELOOP;
	return mirror_add(dev, to);
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

/*
 * Entries follow devices: unregistration, which a move to another netns
 * also sends, drops every entry of the device and every entry naming it.
 * It comes again for a device that is slow to go; there is then nothing
 * left to do.
 */
static void mirror_dev_unregister(struct net_device *dev)
{
	struct netdev_mirror *m, *tmp;
	int i;

	m = rtnl_dereference(dev->mirror);
	if (m)
		mirror_remove_all(m);

	list_for_each_entry_safe(m, tmp, &mirror_sources, list) {
		i = mirror_find(m, dev);
		if (i >= 0)
			mirror_remove(m, i);
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
	unsigned int i;
	int j;

again:
	m = rtnl_dereference(dev->mirror);
	for (i = 0; m && i < m->count; i++) {
		if (m->dest[i].dev->type != dev->type) {
			mirror_remove(m, i);
			goto again;
		}
	}

	list_for_each_entry_safe(m, tmp, &mirror_sources, list) {
		if (m->source->type == dev->type)
			continue;
		j = mirror_find(m, dev);
		if (j >= 0)
			mirror_remove(m, j);
	}
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
	}
	return NOTIFY_DONE;
}

static struct notifier_block mirror_netdev_notifier = {
	.notifier_call = mirror_netdev_event,
};

static const struct netdev_mirror_ops mirror_ops = {
	.update	= mirror_update,
	.show	= mirror_show,
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

	for_each_possible_cpu(cpu) {
		struct mirror_backlog *bl = per_cpu_ptr(mirror_backlogs, cpu);

		__skb_queue_head_init(&bl->queue);
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

	err = register_netdevice_notifier(&mirror_netdev_notifier);
	if (err) {
		mirror_backlogs_free();
		return err;
	}

	rtnl_lock();
	netdev_mirror_set_ops(&mirror_ops);
	rtnl_unlock();
	return 0;
}

static void __exit mirror_exit(void)
{
	rtnl_lock();
	netdev_mirror_set_ops(NULL);
	rtnl_unlock();
	unregister_netdevice_notifier(&mirror_netdev_notifier);

	/* No entry is left, as each holds the module: let the last probe
	 * finish, then the copies it queued.
	 */
	tracepoint_synchronize_unregister();
	mirror_backlog_drain();
	mirror_backlogs_free();
}

module_init(mirror_init);
module_exit(mirror_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Port mirroring of network devices");
