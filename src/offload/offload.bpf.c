/* The kernel fast path for TURN ChannelData (RFC 8656 12), XDP and TC
 * ingress: a datagram that userspace has authorised (a bound channel whose
 * permission is live, in ol_c2p / ol_p2c) is rewritten into the datagram
 * the userspace relay would send and redirected out; everything else --
 * STUN, indications, unbound or unpermitted peers, anything odd -- goes
 * up the stack unchanged (XDP_PASS / TC_ACT_OK) to the userspace relay,
 * which answers exactly as it does without this program.
 *
 * The relayed packet is the host's own (it leaves from the relayed or the
 * listening address), so the next hop is not looked up with
 * bpf_fib_lookup, which answers FWD_DISABLED on a host that does not
 * forward IP: userspace resolves it from the route and neighbour tables
 * into the entry (ol_l2), and an unresolved one passes the packet up. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "offload/offload_abi.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OL_MAX_ENTRIES);
	__type(key, struct ol_c2p_key);
	__type(value, struct ol_fwd);
} ol_c2p SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OL_MAX_ENTRIES);
	__type(key, struct ol_p2c_key);
	__type(value, struct ol_fwd);
} ol_p2c SEC(".maps");

/* Memory-mapped by the loader: read without a system call. */
struct ol_counters ol_counters[OL_MAX_ENTRIES];
__u64 ol_stats[OL_STAT_N];

#define CD_HDR 4

/* What the parser found; the headers are copied to the stack, rewritten
 * there and written back at their new place. */
struct pkt {
	int v6;
	__u32 l3_off, l4_off; /* from the start of the frame */
	__u32 udp_len;        /* UDP header + payload */
	__u32 frame_len;      /* Ethernet header + IP datagram */
	struct iphdr ip4;
	struct ipv6hdr ip6;
	struct udphdr udp;
	__u32 cd_word; /* the ChannelData header, as on the wire */
};

static __always_inline void stat_add(__u32 i)
{
	if (i < OL_STAT_N)
		__sync_fetch_and_add(&ol_stats[i], 1);
}

static __always_inline __u16 csum_fold(__u32 csum)
{
	csum = (csum & 0xffff) + (csum >> 16);
	csum = (csum & 0xffff) + (csum >> 16);
	return (__u16)~csum;
}

/* Parses Ethernet, IPv4 without options or fragments / IPv6 without
 * extension headers, and UDP; copies the headers. 0 when usable. */
static __always_inline int parse(void *data, void *end, struct pkt *p)
{
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u32 ip_payload;

	if ((void *)(eth + 1) > end)
		return -1;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end)
			return -1;
		/* Options, fragments: userspace (the stack reassembles). */
		if (ip->ihl != 5 || ip->version != 4 || ip->protocol != IPPROTO_UDP)
			return -1;
		if (ip->frag_off & bpf_htons(0x3fff))
			return -1;
		p->v6 = 0;
		p->ip4 = *ip;
		p->l3_off = sizeof(*eth);
		p->l4_off = sizeof(*eth) + sizeof(*ip);
		if (bpf_ntohs(ip->tot_len) < sizeof(*ip))
			return -1;
		ip_payload = bpf_ntohs(ip->tot_len) - sizeof(*ip);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return -1;
		if (ip6->version != 6 || ip6->nexthdr != IPPROTO_UDP)
			return -1;
		p->v6 = 1;
		p->ip6 = *ip6;
		p->l3_off = sizeof(*eth);
		p->l4_off = sizeof(*eth) + sizeof(*ip6);
		ip_payload = bpf_ntohs(ip6->payload_len);
	} else {
		return -1;
	}
	udp = data + p->l4_off;
	if ((void *)(udp + 1) > end)
		return -1;
	p->udp = *udp;
	p->udp_len = bpf_ntohs(udp->len);
	/* The UDP length must be the IP payload's, and the datagram must be
	 * in the frame (Ethernet may pad short frames: not counted). */
	if (p->udp_len != ip_payload || p->udp_len < sizeof(*udp))
		return -1;
	p->frame_len = p->l4_off + p->udp_len;
	if (data + p->frame_len > end)
		return -1;
	return 0;
}

static __always_inline void copy16(__u8 *dst, const void *src, int v6)
{
	if (v6)
		__builtin_memcpy(dst, src, 16);
	else
		__builtin_memcpy(dst, src, 4);
}

static __always_inline int hop_limit_ok(struct pkt *p)
{
	/* RFC 8656 14.2 preferred behaviour: one less than the incoming
	 * value. 1 or less: userspace sends it with the default instead. */
	__u8 ttl = p->v6 ? p->ip6.hop_limit : p->ip4.ttl;

	if (ttl <= 1) {
		stat_add(OL_STAT_PASS_TTL);
		return 0;
	}
	return 1;
}

/* The new IP and UDP headers for a datagram from src:sport to dst:dport
 * of new_udp_len bytes; extra_old/extra_new: the 32-bit word of payload
 * removed (ChannelData header, client -> peer) or added (peer ->
 * client), 0 for none. The UDP checksum is updated incrementally (RFC
 * 1624): the payload after the header moves by 4 bytes, an even number,
 * so its sum does not change. */
static __always_inline void rewrite(struct pkt *p, const struct ol_fwd *f,
				    __u32 new_udp_len, __u32 extra_old, __u32 extra_new)
{
	__u32 from[11] = {}, to[11] = {};
	__u16 old_len = bpf_htons((__u16)p->udp_len),
	      new_len = bpf_htons((__u16)new_udp_len);
	__u32 csum;

	if (p->v6) {
		__builtin_memcpy(&from[0], &p->ip6.saddr, 16);
		__builtin_memcpy(&from[4], &p->ip6.daddr, 16);
		__builtin_memcpy(&to[0], f->src, 16);
		__builtin_memcpy(&to[4], f->dst, 16);
	} else {
		__builtin_memcpy(&from[0], &p->ip4.saddr, 4);
		__builtin_memcpy(&from[4], &p->ip4.daddr, 4);
		__builtin_memcpy(&to[0], f->src, 4);
		__builtin_memcpy(&to[4], f->dst, 4);
	}
	/* Ports, then the length (pseudo-header and UDP header: twice). */
	from[8] = ((__u32)p->udp.source) | ((__u32)p->udp.dest << 16);
	to[8] = ((__u32)f->sport) | ((__u32)f->dport << 16);
	from[9] = (__u32)old_len | ((__u32)old_len << 16);
	to[9] = (__u32)new_len | ((__u32)new_len << 16);
	from[10] = extra_old;
	to[10] = extra_new;
	if (p->udp.check || p->v6) {
		csum = bpf_csum_diff(from, sizeof(from), to, sizeof(to),
				     (__u32)(__u16)~p->udp.check);
		p->udp.check = csum_fold(csum);
		if (!p->udp.check)
			p->udp.check = 0xffff;
	}
	p->udp.source = f->sport;
	p->udp.dest = f->dport;
	p->udp.len = new_len;
	if (p->v6) {
		__builtin_memcpy(&p->ip6.saddr, f->src, 16);
		__builtin_memcpy(&p->ip6.daddr, f->dst, 16);
		p->ip6.payload_len = new_len;
		p->ip6.hop_limit--;
	} else {
		__builtin_memcpy(&p->ip4.saddr, f->src, 4);
		__builtin_memcpy(&p->ip4.daddr, f->dst, 4);
		p->ip4.tot_len = bpf_htons((__u16)(new_udp_len + sizeof(struct iphdr)));
		p->ip4.ttl--;
		p->ip4.check = 0;
		p->ip4.check = csum_fold(
			bpf_csum_diff(0, 0, (__u32 *)&p->ip4, sizeof(struct iphdr), 0));
	}
}

/* Client -> peer: ChannelData (first two bits 01, RFC 7983) from a client
 * 5-tuple for a bound channel. 1: relay it; 0: not an entry; -1: an
 * entry's packet that goes up. */
static __always_inline int lookup_c2p(void *data, void *end, struct pkt *p,
				      struct ol_fwd *f, const void *saddr,
				      const void *daddr)
{
	/* Constant offsets: the verifier bounds a packet pointer only by
	 * what it can prove. */
	__u8 *cd = data +
		   (p->v6 ? sizeof(struct ethhdr) + sizeof(struct ipv6hdr)
			  : sizeof(struct ethhdr) + sizeof(struct iphdr)) +
		   sizeof(struct udphdr);
	__u32 payload = p->udp_len - sizeof(struct udphdr);
	struct ol_c2p_key ck = {};
	struct ol_fwd *hit;
	__u16 len;

	if (payload < CD_HDR || (void *)(cd + CD_HDR) > end || (cd[0] & 0xc0) != 0x40)
		return 0;
	ck.family = p->v6 ? OL_FAMILY_V6 : OL_FAMILY_V4;
	__builtin_memcpy(&ck.channel, cd, 2);
	ck.client_port = p->udp.source;
	ck.server_port = p->udp.dest;
	copy16(ck.client, saddr, p->v6);
	copy16(ck.server, daddr, p->v6);
	hit = bpf_map_lookup_elem(&ol_c2p, &ck);
	if (!hit)
		return 0;
	len = (__u16)(cd[2] << 8 | cd[3]);
	/* Past the datagram: userspace drops it as malformed. Short of it
	 * (UDP padding, RFC 8656 12.5): userspace relays the length only;
	 * the kernel leaves both to it. */
	if ((__u32)len + CD_HDR != payload) {
		stat_add(OL_STAT_PASS_LENGTH);
		return -1;
	}
	__builtin_memcpy(&p->cd_word, cd, 4);
	*f = *hit;
	return 1;
}

/* Looks the packet up; fills *f and *dir (0 client -> peer, 1 peer ->
 * client). 0 when the kernel relays it. ChannelData is looked up as
 * client -> peer first, anything else only as peer -> client (a peer may
 * send anything, so ChannelData-looking data that matches no client is
 * looked up as a peer's too). */
static __always_inline int classify(void *data, void *end, struct pkt *p,
				    struct ol_fwd *f, int *dir)
{
	struct ol_p2c_key pk = {};
	struct ol_fwd *hit;
	__u32 payload = p->udp_len - sizeof(struct udphdr);
	const void *saddr = p->v6 ? (void *)&p->ip6.saddr : (void *)&p->ip4.saddr;
	const void *daddr = p->v6 ? (void *)&p->ip6.daddr : (void *)&p->ip4.daddr;
	int rc = lookup_c2p(data, end, p, f, saddr, daddr);

	if (rc) {
		*dir = 0;
		return rc > 0 ? 0 : -1;
	}
	pk.family = p->v6 ? OL_FAMILY_V6 : OL_FAMILY_V4;
	pk.peer_port = p->udp.source;
	pk.relay_port = p->udp.dest;
	copy16(pk.peer, saddr, p->v6);
	copy16(pk.relay, daddr, p->v6);
	hit = bpf_map_lookup_elem(&ol_p2c, &pk);
	/* A ChannelData length is 16 bits (RFC 8656 12.4). */
	if (!hit || payload > 0xffff - CD_HDR - sizeof(struct udphdr))
		return -1;
	*dir = 1;
	*f = *hit;
	return 0;
}

/* The checks common to both hooks once an entry matched. */
static __always_inline int usable(struct pkt *p, const struct ol_fwd *f)
{
	/* The coarse clock (a tick, a few ms) is CLOCK_MONOTONIC too and
	 * far cheaper per packet; expiry holds to within a tick. */
	if (bpf_ktime_get_coarse_ns() >= f->expires_ns) {
		stat_add(OL_STAT_PASS_EXPIRED);
		return 0;
	}
	if (!hop_limit_ok(p))
		return 0;
	if (!f->l2.ifindex) {
		stat_add(OL_STAT_PASS_NO_L2);
		return 0;
	}
	return f->slot < OL_MAX_ENTRIES;
}

static __always_inline void count(const struct ol_fwd *f, int dir, __u32 bytes)
{
	__u32 slot = f->slot;

	if (slot >= OL_MAX_ENTRIES)
		return;
	if (dir == 0) {
		__sync_fetch_and_add(&ol_counters[slot].c2p_pkts, 1);
		__sync_fetch_and_add(&ol_counters[slot].c2p_bytes, bytes);
	} else {
		__sync_fetch_and_add(&ol_counters[slot].p2c_pkts, 1);
		__sync_fetch_and_add(&ol_counters[slot].p2c_bytes, bytes);
	}
}

/* Writes Ethernet + IP + UDP (+ ChannelData header) at the start of the
 * (already resized) frame. 0 on success. */
static __always_inline int write_headers(void *data, void *end, struct pkt *p,
					 const struct ol_fwd *f, int dir)
{
	struct ethhdr *eth = data;
	__u32 l3 = sizeof(*eth);
	__u32 l4 = l3 + (p->v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr));
	struct udphdr *udp;

	if ((void *)(eth + 1) > end)
		return -1;
	__builtin_memcpy(eth->h_dest, f->l2.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, f->l2.smac, ETH_ALEN);
	eth->h_proto = bpf_htons(p->v6 ? ETH_P_IPV6 : ETH_P_IP);
	if (p->v6) {
		struct ipv6hdr *ip6 = data + l3;

		if ((void *)(ip6 + 1) > end)
			return -1;
		*ip6 = p->ip6;
	} else {
		struct iphdr *ip = data + l3;

		if ((void *)(ip + 1) > end)
			return -1;
		*ip = p->ip4;
	}
	udp = data + l4;
	if ((void *)(udp + 1) > end)
		return -1;
	*udp = p->udp;
	if (dir == 1) {
		__u32 *cd = (void *)(udp + 1);

		if ((void *)(cd + 1) > end)
			return -1;
		*cd = p->cd_word;
	}
	return 0;
}

/* Fills the new headers for the packet: 0 and the size change of the
 * frame (-4 or +4) when the kernel relays it. */
static __always_inline int prepare(void *data, void *end, struct pkt *p, struct ol_fwd *f,
				   int *dir, int *delta, int xdp)
{
	__u32 payload;

	if (parse(data, end, p) || classify(data, end, p, f, dir) || !usable(p, f))
		return -1;
	if (xdp && !(f->flags & OL_F_XDP_OK)) {
		stat_add(OL_STAT_PASS_XDP_TARGET);
		return -1;
	}
	payload = p->udp_len - sizeof(struct udphdr);
	if (*dir == 0) {
		rewrite(p, f, p->udp_len - CD_HDR, p->cd_word, 0);
		*delta = -CD_HDR;
	} else {
		__u32 word = bpf_htonl(((__u32)bpf_ntohs(f->channel) << 16) | payload);

		p->cd_word = word;
		rewrite(p, f, p->udp_len + CD_HDR, 0, word);
		*delta = CD_HDR;
	}
	return 0;
}

/* The ChannelData header makes a peer's datagram 4 bytes longer: one that
 * no longer fits the output interface's MTU goes up, and userspace sends
 * it (fragmented). Then the packet is counted: it will be relayed. */
static __always_inline int fits(void *ctx, struct pkt *p, const struct ol_fwd *f, int dir,
				int delta)
{
	__u32 mtu = 0;

	if (dir == 1 && bpf_check_mtu(ctx, f->l2.ifindex, &mtu, delta, 0) > 0) {
		stat_add(OL_STAT_PASS_MTU);
		return 0;
	}
	count(f, dir, p->udp_len - sizeof(struct udphdr) - (dir == 0 ? CD_HDR : 0));
	return 1;
}

SEC("xdp")
int turnroom_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct pkt p = {};
	struct ol_fwd f;
	int dir, delta;
	long excess;

	if (prepare(data, end, &p, &f, &dir, &delta, 1) || !fits(ctx, &p, &f, dir, delta))
		return XDP_PASS;
	/* Ethernet padding of a short frame is not part of the datagram. */
	excess = (long)(end - data) - (long)p.frame_len;
	if (excess > 0 && bpf_xdp_adjust_tail(ctx, (int)-excess))
		return XDP_DROP;
	/* -delta at the head: +4 strips the ChannelData header's room (the
	 * headers move forward over it), -4 makes room for one. */
	if (bpf_xdp_adjust_head(ctx, -delta))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (write_headers(data, end, &p, &f, dir))
		return XDP_DROP;
	return (int)bpf_redirect(f.l2.ifindex, 0);
}

SEC("tc")
int turnroom_tc(struct __sk_buff *skb)
{
	void *data, *end;
	struct pkt p = {};
	struct ol_fwd f;
	int dir, delta;

	/* Direct access needs the headers in the linear part: pull it all
	 * (0: the whole packet; a relayed datagram is small). */
	if (bpf_skb_pull_data(skb, 0))
		return TC_ACT_OK;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	if (prepare(data, end, &p, &f, &dir, &delta, 0) || !fits(skb, &p, &f, dir, delta))
		return TC_ACT_OK;
	if (skb->len > p.frame_len && bpf_skb_change_tail(skb, p.frame_len, 0))
		return TC_ACT_SHOT;
	/* Room at the network layer, right after the IP header: the UDP
	 * header and the ChannelData header are written over it whole. */
	if (bpf_skb_adjust_room(skb, delta, BPF_ADJ_ROOM_NET, 0))
		return TC_ACT_SHOT;
	if (bpf_skb_pull_data(skb, 0))
		return TC_ACT_SHOT;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	if (write_headers(data, end, &p, &f, dir))
		return TC_ACT_SHOT;
	/* The UDP checksum is whole and correct now: a receiver must check
	 * it, not trust a "verified" mark the old packet carried. */
	bpf_csum_level(skb, BPF_CSUM_LEVEL_RESET);
	return (int)bpf_redirect(f.l2.ifindex, 0);
}
