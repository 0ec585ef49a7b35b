// SPDX-License-Identifier: GPL-2.0-only
/*
 * The benchmark's floor (make bench, not part of the series): the least
 * any mirror must do per copy, measured the way the mirror is. On the
 * same two tracepoints, each frame of the device "src" is cloned and the
 * clone handed to the driver of "dst", which frees it: no table lookup,
 * no option, no counter, no check of the destination's state, no qdisc.
 *
 *   insmod bench_floor.ko src=dummy0 dst=dummy1
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>
#include <trace/events/net.h>

static char *src = "dummy0", *dst = "dummy1";
module_param(src, charp, 0444);
module_param(dst, charp, 0444);

static struct net_device *src_dev, *dst_dev;

static void floor_copy(struct sk_buff *skb, bool rx)
{
	struct sk_buff *copy;

	if (skb->dev != src_dev)
		return;
	copy = skb_clone(skb, GFP_ATOMIC);
	if (!copy)
		return;
	if (rx)
		skb_push(copy, copy->data - skb_mac_header(copy));
	copy->dev = dst_dev;
	if (__dev_direct_xmit(copy, 0) == NETDEV_TX_BUSY)
		kfree_skb(copy);
}

static void floor_rx(void *unused, struct sk_buff *skb)
{
	floor_copy(skb, true);
}

static void floor_tx(void *unused, const struct sk_buff *skb,
		     const struct net_device *dev)
{
	floor_copy((struct sk_buff *)skb, false);
}

static int __init floor_init(void)
{
	int err = -ENODEV;

	src_dev = dev_get_by_name(&init_net, src);
	dst_dev = dev_get_by_name(&init_net, dst);
	if (!src_dev || !dst_dev)
		goto err;
	err = register_trace_netif_receive_skb(floor_rx, NULL);
	if (err)
		goto err;
	err = register_trace_net_dev_start_xmit(floor_tx, NULL);
	if (err) {
		unregister_trace_netif_receive_skb(floor_rx, NULL);
		goto err;
	}
	return 0;
err:
	dev_put(src_dev);
	dev_put(dst_dev);
	return err;
}

static void __exit floor_exit(void)
{
	unregister_trace_net_dev_start_xmit(floor_tx, NULL);
	unregister_trace_netif_receive_skb(floor_rx, NULL);
	tracepoint_synchronize_unregister();
	dev_put(src_dev);
	dev_put(dst_dev);
}

module_init(floor_init);
module_exit(floor_exit);
MODULE_DESCRIPTION("Port mirroring benchmark: the floor of a copy's cost");
MODULE_LICENSE("GPL");
