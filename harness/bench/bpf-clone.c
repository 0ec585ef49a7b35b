// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bench's programmable peer: a tc program that clones every frame
 * it sees to the device DEST_IFINDEX (given when it is compiled, in the
 * VM), as a user would mirror with BPF. Attached on clsact ingress and
 * egress by guest.sh; needs no libbpf headers.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>

#ifndef DEST_IFINDEX
#error "compile with -DDEST_IFINDEX=the destination's ifindex"
#endif

static long (*bpf_clone_redirect)(struct __sk_buff *skb, __u32 ifindex,
				  __u64 flags) = (void *)BPF_FUNC_clone_redirect;

__attribute__((section("tc"), used))
int mirror(struct __sk_buff *skb)
{
	bpf_clone_redirect(skb, DEST_IFINDEX, 0);
	return TC_ACT_OK;
}

char _license[] __attribute__((section("license"), used)) = "GPL";
