/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _NET_MIRROR_H
#define _NET_MIRROR_H

#include <linux/if_link.h>
#include <net/netlink.h>

struct net_device;

/* Destinations one device may have; see port-mirroring.rst */
#define NETDEV_MIRROR_MAX_DEST	8

/**
 * struct netdev_mirror_ops - port mirroring core, as seen by net-sysfs
 * @update: apply a request ("NAME", "+NAME" or "-NAME", @len bytes, not
 *	NUL terminated) to the destinations of @dev; returns 0 or a
 *	negative errno
 * @show: write the names of the destinations of @dev into a sysfs buffer
 * @setlink: apply the requests of an IFLA_MIRROR attribute, which
 *	rtnetlink validated against ifla_mirror_policy, to @dev, all or
 *	none; returns 0 or a negative errno, with @extack set
 * @fill_info: add IFLA_MIRROR to a link message, with counters unless
 *	@ext_filter_mask has RTEXT_FILTER_SKIP_STATS; nothing when @dev has
 *	no destination. At most netdev_mirror_nlmsg_size() bytes.
 *
 * All are called under RTNL. The core may be a module: it installs its
 * ops with netdev_mirror_set_ops() when it loads and removes them before
 * it unloads.
 */
struct netdev_mirror_ops {
	int	(*update)(struct net_device *dev, const char *req, size_t len);
	ssize_t	(*show)(const struct net_device *dev, char *buf);
	int	(*setlink)(struct net_device *dev, const struct nlattr *attr,
			   struct netlink_ext_ack *extack);
	int	(*fill_info)(struct sk_buff *skb, const struct net_device *dev,
			     u32 ext_filter_mask);
};

void netdev_mirror_set_ops(const struct netdev_mirror_ops *ops);

/* IFLA_MIRROR's policies, which rtnetlink applies before the core loads */
extern const struct nla_policy ifla_mirror_policy[IFLA_MIRROR_MAX + 1];
extern const struct nla_policy ifla_mirror_entry_policy[IFLA_MIRROR_ENTRY_MAX + 1];

/**
 * netdev_mirror_nlmsg_size - the most IFLA_MIRROR adds to a link message
 *
 * Return: its size with NETDEV_MIRROR_MAX_DEST entries and their counters.
 */
static inline size_t netdev_mirror_nlmsg_size(void)
{
	size_t entry = nla_total_size(0) +	/* IFLA_MIRROR_ENTRY */
		       nla_total_size(4) +	/* IFLA_MIRROR_ENTRY_IFINDEX */
		       nla_total_size(4) +	/* IFLA_MIRROR_ENTRY_DIRECTION */
		       nla_total_size(4) +	/* IFLA_MIRROR_ENTRY_SNAPLEN */
		       nla_total_size(4) +	/* IFLA_MIRROR_ENTRY_SAMPLE */
		       nla_total_size(4) +	/* IFLA_MIRROR_ENTRY_PRIORITY */
		       nla_total_size(4) +	/* IFLA_MIRROR_ENTRY_RATE */
		       nla_total_size(4) +	/* IFLA_MIRROR_ENTRY_BURST */
		       nla_total_size(16) +	/* IFLA_MIRROR_ENTRY_REMOTE{,6} */
		       nla_total_size(4) +	/* IFLA_MIRROR_ENTRY_ID */
		       nla_total_size(4) +	/* IFLA_MIRROR_ENTRY_ERSPAN_VER */
		       nla_total_size(0) +	/* IFLA_MIRROR_ENTRY_STATS */
		       IFLA_MIRROR_STATS_MAX *	/* its counters, uint */
		       nla_total_size(sizeof(u64));

	return nla_total_size(0) + NETDEV_MIRROR_MAX_DEST * entry;
}

#endif /* _NET_MIRROR_H */
