/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _NET_MIRROR_H
#define _NET_MIRROR_H

#include <linux/types.h>

struct net_device;

/* Destinations one device may have; see port-mirroring.rst */
#define NETDEV_MIRROR_MAX_DEST	8

/**
 * struct netdev_mirror_ops - port mirroring core, as seen by net-sysfs
 * @update: apply a request ("NAME", "+NAME" or "-NAME", @len bytes, not
 *	NUL terminated) to the destinations of @dev; returns 0 or a
 *	negative errno
 * @show: write the names of the destinations of @dev into a sysfs buffer
 *
 * Both are called under RTNL. The core may be a module: it installs its
 * ops with netdev_mirror_set_ops() when it loads and removes them before
 * it unloads.
 */
struct netdev_mirror_ops {
	int	(*update)(struct net_device *dev, const char *req, size_t len);
	ssize_t	(*show)(const struct net_device *dev, char *buf);
};

void netdev_mirror_set_ops(const struct netdev_mirror_ops *ops);

#endif /* _NET_MIRROR_H */
