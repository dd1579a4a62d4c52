/* The maps shared by the kernel program (offload.bpf.c) and its loader
 * (offload.c): included by both, so only fixed-size types. Addresses and
 * ports are in network byte order as on the wire; an IPv4 address takes
 * the first 4 bytes of its 16 and the rest are zero. Private to
 * src/offload. */
#ifndef TR_OFFLOAD_ABI_H
#define TR_OFFLOAD_ABI_H

#include <linux/types.h>

/* Channels the kernel can relay at once (each has one entry in each
 * direction's map and one counter slot). Past it, channels stay in
 * userspace. */
#define OL_MAX_ENTRIES 16384

/* ol_fwd.flags: the output interface takes XDP redirects (a veth whose
 * other end has no XDP program or GRO drops them: TC ingress, attached
 * next to XDP, relays those). */
#define OL_F_XDP_OK 1

#define OL_FAMILY_V4 4
#define OL_FAMILY_V6 6

/* Client -> peer: ChannelData from a client 5-tuple to a listener. */
struct ol_c2p_key {
	__u8 family;
	__u8 pad;
	__be16 channel;
	__be16 client_port;
	__be16 server_port;
	__u8 client[16];
	__u8 server[16];
};

/* Peer -> client: a datagram from a peer to a relayed address. */
struct ol_p2c_key {
	__u8 family;
	__u8 pad[3];
	__be16 peer_port;
	__be16 relay_port;
	__u8 peer[16];
	__u8 relay[16];
};

/* The next hop, resolved by userspace from the kernel's route and
 * neighbour tables (bpf_fib_lookup answers FWD_DISABLED on a host that
 * does not forward IP, as a TURN host does not). ifindex 0: unresolved,
 * the packet goes up to userspace, whose send resolves the neighbour. */
struct ol_l2 {
	__u32 ifindex;
	__u8 smac[6];
	__u8 dmac[6];
};

/* What the packet becomes: its new source and destination, and for
 * peer -> client the channel number of the ChannelData header added.
 * Valid until expires_ns (CLOCK_MONOTONIC, bpf_ktime_get_ns): the
 * earliest of the channel's, the permission's and the allocation's
 * expiry, so the kernel stops on time even between userspace sweeps. */
struct ol_fwd {
	__u8 src[16];
	__u8 dst[16];
	__be16 sport;
	__be16 dport;
	__be16 channel;
	__u16 flags; /* OL_F_* */
	__u32 slot;  /* index into ol_counters */
	__u32 pad2;
	__u64 expires_ns;
	struct ol_l2 l2;
};

/* Per channel, counted by the kernel and read back by userspace (the
 * program's .bss, memory-mapped): payload bytes, as userspace counts. */
struct ol_counters {
	__u64 c2p_pkts, c2p_bytes;
	__u64 p2c_pkts, p2c_bytes;
};

/* Why the program let a packet of an entry go up (ol_stats), for tests
 * and metrics; rare, so one shared counter each (what is relayed is
 * counted per entry, in ol_counters, never in a shared line). */
enum ol_stat {
	OL_STAT_PASS_EXPIRED,    /* entry past its deadline */
	OL_STAT_PASS_NO_L2,      /* next hop unresolved */
	OL_STAT_PASS_LENGTH,     /* ChannelData length past or short of the datagram */
	OL_STAT_PASS_TTL,        /* TTL / hop limit 1 or less */
	OL_STAT_PASS_XDP_TARGET, /* XDP cannot redirect there: left to TC */
	OL_STAT_PASS_MTU,        /* too long for the output interface once framed */
	OL_STAT_N
};

#endif
