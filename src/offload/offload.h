/* The kernel fast path for ChannelData (relay-offload): an eBPF program at
 * XDP or TC ingress that relays the channels userspace has authorised,
 * both directions, without the socket path. This module loads and attaches
 * it (libbpf) and keeps its maps: one entry per channel, put by the relay
 * on ChannelBind / CreatePermission / Refresh and removed on expiry,
 * delete, disconnect or revocation. Counters are read back as deltas so
 * the caller adds kernel traffic to its own. */
#ifndef TR_OFFLOAD_H
#define TR_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

/* relay-offload=: auto tries XDP then TC and falls back to userspace;
 * xdp and tc insist (the server does not start without them). */
enum offload_mode { OFFLOAD_OFF, OFFLOAD_AUTO, OFFLOAD_XDP, OFFLOAD_TC };

struct offload;

/* Loads the program and attaches it at ingress of every Ethernet interface
 * that is up and carries one of addrs (the listening and relay addresses;
 * a wildcard among them: every such interface). XDP attachments are
 * bpf_links and TC ones tcx links (kernel 6.6), so they go with the
 * process, SIGKILL included, and the maps (never pinned) with them. 0 with
 * *out set, or TR_EIO / TR_ENOMEM with err filled and nothing left
 * attached (no interface, no privilege, no kernel support). mode must not
 * be OFFLOAD_OFF. */
int offload_start(enum offload_mode mode, const struct tr_addr *addrs, size_t n,
		  struct offload **out, char *err, size_t errlen);
/* Detaches everything and frees the maps. NULL: no-op. */
void offload_free(struct offload *o);
/* "xdp", "tc" or "xdp+tc": what is attached. */
const char *offload_attach_name(const struct offload *o);
/* Interfaces attached. */
size_t offload_interface_count(const struct offload *o);

/* One channel of a UDP allocation: ChannelData from client to server
 * (the listener) on number goes from relay to peer; datagrams from peer to
 * relay come back as ChannelData. All four addresses of one family,
 * concrete (no wildcard). Until expires_ms (monotonic, util/clock.h). */
struct offload_channel {
	struct tr_addr client, server, relay, peer;
	uint16_t number;
	uint64_t expires_ms;
};

/* Traffic the kernel relayed since the last read (payload bytes). */
struct offload_counts {
	uint64_t to_peer_pkts, to_peer_bytes;
	uint64_t from_peer_pkts, from_peer_bytes;
};

/* The channels of one owner (an allocation), created on the first put:
 * the owner keeps the pointer, NULL when it has none. */
struct offload_set;

/* A sync of a set: _begin marks every entry, _put installs or refreshes
 * one (its expiry, its next hop), _end removes the entries not put since
 * _begin and adds what they relayed to *delta. _put: 0, TR_EQUOTA (no
 * room: that channel stays in userspace), TR_EINVAL, TR_ENOMEM, TR_EIO. */
void offload_sync_begin(struct offload_set *set);
int offload_put(struct offload *o, struct offload_set **set,
		const struct offload_channel *c, uint64_t now_ms);
void offload_sync_end(struct offload *o, struct offload_set **set,
		      struct offload_counts *delta);
/* Removes every entry of the set (frees it, *set = NULL) after adding
 * what they relayed to *delta. */
void offload_remove_all(struct offload *o, struct offload_set **set,
			struct offload_counts *delta);
/* Adds to *delta what the set's entries relayed since the last read
 * (memory reads, no system call). */
void offload_collect(struct offload *o, struct offload_set *set,
		     struct offload_counts *delta);
/* Housekeeping from a timer: removes entries past their expiry (after
 * collecting them) and re-resolves next hops now and then. */
void offload_tick(struct offload *o, struct offload_set **set, uint64_t now_ms,
		  struct offload_counts *delta);
/* Entries live (channels the kernel relays). */
size_t offload_entry_count(const struct offload *o);

/* The program's own counters: packets of an entry it passed up for a
 * reason of its own (expired entry, unresolved next hop, ChannelData
 * length, TTL, MTU). */
struct offload_stats {
	uint64_t passed_expired, passed_no_nexthop, passed_length, passed_ttl, passed_mtu;
};
void offload_stats(const struct offload *o, struct offload_stats *out);

/* For tests and benchmarks: the program loaded, attached nowhere; and one
 * run of it (XDP or TC) over a frame through BPF_PROG_TEST_RUN, repeated
 * repeat times: the frame it made (out, *out_len in: its room), its
 * verdict (XDP_* or TC_ACT_*) and the mean run time in ns. 0 or TR_EIO. */
int offload_load(struct offload **out, char *err, size_t errlen);
struct offload_run {
	const void *in;
	size_t in_len;
	void *out;
	size_t out_len;
	uint32_t repeat;
	uint32_t verdict, duration_ns;
};
int offload_test_run(struct offload *o, bool xdp, struct offload_run *run);
/* For tests: every next hop is this one from now on (no lookups). */
void offload_fixed_nexthop(struct offload *o, int ifindex, const uint8_t smac[6],
			   const uint8_t dmac[6]);

#endif
