/* Private to src/offload: the loader's state, the entries of a set, and
 * next-hop resolution. */
#ifndef TR_OFFLOAD_INTERNAL_H
#define TR_OFFLOAD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "offload/offload.h"
#include "offload/offload_abi.h"

struct offload_bpf;

/* Interfaces attached at most (the rest are left alone, logged). */
#define OFFLOAD_MAX_IFACES 64

struct offload_iface {
	int ifindex;
	bool is_veth;      /* XDP cannot redirect to it reliably (see offload.c) */
	int xdp_fd, tc_fd; /* link fds, -1 when not attached there */
};

struct offload {
	struct offload_bpf *skel;
	int c2p_fd, p2c_fd;
	struct offload_iface ifaces[OFFLOAD_MAX_IFACES];
	size_t n_ifaces;
	bool xdp, tc;  /* what is attached */
	bool veth_xdp; /* relay-offload=xdp: XDP redirects into veths too */
	/* Counter slots: a free list over ol_counters. */
	uint32_t free_slots[OL_MAX_ENTRIES];
	uint32_t n_free;
	size_t entries;
	int nl_fd;          /* rtnetlink, for next hops; -1 until first used */
	struct ol_l2 fixed; /* offload_fixed_nexthop (tests); ifindex 0: none */
	uint32_t nl_seq;
};

struct offload_entry {
	struct ol_c2p_key ck;
	struct ol_p2c_key pk;
	uint32_t slot;
	bool seen; /* put since offload_sync_begin */
	uint64_t expires_ms;
	uint64_t resolved_ms;    /* when the next hops were last looked up */
	struct ol_counters last; /* what was read back last time */
	struct ol_fwd c2p, p2c;  /* as written */
};

struct offload_set {
	struct offload_entry *v;
	size_t n, cap;
};

/* Fills l2 with the next hop from src towards dst (OL_FAMILY_*, as in
 * the maps) (the route's output
 * interface, the gateway's or dst's link-layer address, the interface's
 * own); ifindex 0 when unresolved (no neighbour entry yet, no route, a
 * loopback or non-Ethernet interface). xdp_ok: the interface takes XDP
 * redirects. */
void offload_nexthop(struct offload *o, uint8_t family, const uint8_t src[16],
		     const uint8_t dst[16], struct ol_l2 *l2, bool *xdp_ok);
void offload_nexthop_close(struct offload *o);
/* True for a veth device (ethtool driver name). */
bool offload_iface_is_veth(int ifindex);

#endif
