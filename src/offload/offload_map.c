/* The fast path's maps, kept by userspace: one entry per channel in each
 * direction's map, grouped by owner (an allocation's set) so the owner's
 * end removes exactly its own. Only what userspace put is ever relayed:
 * the program has no other source of entries. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "offload/offload_internal.h"
#include "util/errors.h"
#include "util/log.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#include "offload/offload.skel.h"
#pragma GCC diagnostic pop

/* A resolved next hop is looked up again after this long (a neighbour's
 * address may change); an unresolved one at every tick. */
#define RESOLVE_AGAIN_MS 5000

static void ip16(uint8_t out[16], const struct tr_addr *a)
{
	size_t len;
	const uint8_t *b = addr_bytes(a, &len);

	memset(out, 0, 16);
	memcpy(out, b, len < 16 ? len : 16);
}

static int keys_for(const struct offload_channel *c, struct ol_c2p_key *ck,
		    struct ol_p2c_key *pk)
{
	int fam = addr_family(&c->client);
	uint8_t f = fam == AF_INET6 ? OL_FAMILY_V6 : OL_FAMILY_V4;

	if (addr_family(&c->server) != fam || addr_family(&c->relay) != fam ||
	    addr_family(&c->peer) != fam || addr_is_any(&c->server) ||
	    addr_is_any(&c->relay))
		return TR_EINVAL;
	memset(ck, 0, sizeof(*ck));
	memset(pk, 0, sizeof(*pk));
	ck->family = pk->family = f;
	ck->channel = htons(c->number);
	ck->client_port = htons(addr_port(&c->client));
	ck->server_port = htons(addr_port(&c->server));
	ip16(ck->client, &c->client);
	ip16(ck->server, &c->server);
	pk->peer_port = htons(addr_port(&c->peer));
	pk->relay_port = htons(addr_port(&c->relay));
	ip16(pk->peer, &c->peer);
	ip16(pk->relay, &c->relay);
	return 0;
}

static struct ol_counters read_slot(struct offload *o, uint32_t slot)
{
	const volatile struct ol_counters *v = &o->skel->bss->ol_counters[slot];
	struct ol_counters c = { v->c2p_pkts, v->c2p_bytes, v->p2c_pkts, v->p2c_bytes };

	return c;
}

static void collect_one(struct offload *o, struct offload_entry *e,
			struct offload_counts *d)
{
	struct ol_counters now = read_slot(o, e->slot);

	d->to_peer_pkts += now.c2p_pkts - e->last.c2p_pkts;
	d->to_peer_bytes += now.c2p_bytes - e->last.c2p_bytes;
	d->from_peer_pkts += now.p2c_pkts - e->last.p2c_pkts;
	d->from_peer_bytes += now.p2c_bytes - e->last.p2c_bytes;
	e->last = now;
}

/* Deletes e's map entries (first, so the kernel stops), collects, frees
 * its slot; e is then overwritten by the caller. */
static void entry_remove(struct offload *o, struct offload_entry *e,
			 struct offload_counts *d)
{
	bpf_map_delete_elem(o->c2p_fd, &e->ck);
	bpf_map_delete_elem(o->p2c_fd, &e->pk);
	collect_one(o, e, d);
	o->free_slots[o->n_free++] = e->slot;
	o->entries--;
}

/* Looks the next hops up (the values' addresses are the packets' new
 * ones); true when they changed. */
static bool resolve(struct offload *o, struct offload_entry *e, uint64_t now_ms)
{
	struct ol_fwd c2p = e->c2p, p2c = e->p2c;
	bool ok;

	offload_nexthop(o, e->ck.family, e->c2p.src, e->c2p.dst, &e->c2p.l2, &ok);
	e->c2p.flags = ok ? OL_F_XDP_OK : 0;
	offload_nexthop(o, e->ck.family, e->p2c.src, e->p2c.dst, &e->p2c.l2, &ok);
	e->p2c.flags = ok ? OL_F_XDP_OK : 0;
	e->resolved_ms = now_ms;
	return memcmp(&c2p, &e->c2p, sizeof(c2p)) || memcmp(&p2c, &e->p2c, sizeof(p2c));
}

static void fill_fwd(struct offload_entry *e, const struct offload_channel *c)
{
	uint64_t ns = c->expires_ms * 1000000u;

	ip16(e->c2p.src, &c->relay);
	ip16(e->c2p.dst, &c->peer);
	e->c2p.sport = htons(addr_port(&c->relay));
	e->c2p.dport = htons(addr_port(&c->peer));
	ip16(e->p2c.src, &c->server);
	ip16(e->p2c.dst, &c->client);
	e->p2c.sport = htons(addr_port(&c->server));
	e->p2c.dport = htons(addr_port(&c->client));
	e->p2c.channel = htons(c->number);
	e->c2p.slot = e->p2c.slot = e->slot;
	e->c2p.expires_ns = e->p2c.expires_ns = ns;
	e->expires_ms = c->expires_ms;
}

static int entry_write(struct offload *o, struct offload_entry *e)
{
	if (bpf_map_update_elem(o->c2p_fd, &e->ck, &e->c2p, BPF_ANY) ||
	    bpf_map_update_elem(o->p2c_fd, &e->pk, &e->p2c, BPF_ANY)) {
		bpf_map_delete_elem(o->c2p_fd, &e->ck);
		return TR_EIO;
	}
	return 0;
}

static struct offload_entry *set_find(struct offload_set *set,
				      const struct ol_c2p_key *ck)
{
	for (size_t i = 0; set && i < set->n; i++)
		if (!memcmp(&set->v[i].ck, ck, sizeof(*ck)))
			return &set->v[i];
	return NULL;
}

static struct offload_entry *set_add(struct offload *o, struct offload_set **setp)
{
	struct offload_set *set = *setp;

	if (!o->n_free)
		return NULL;
	if (!set) {
		set = calloc(1, sizeof(*set));
		if (!set)
			return NULL;
		*setp = set;
	}
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 4;
		struct offload_entry *v = realloc(set->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		set->v = v;
		set->cap = cap;
	}
	memset(&set->v[set->n], 0, sizeof(set->v[0]));
	set->v[set->n].slot = o->free_slots[--o->n_free];
	set->v[set->n].last = read_slot(o, set->v[set->n].slot);
	o->entries++;
	return &set->v[set->n++];
}

int offload_put(struct offload *o, struct offload_set **setp,
		const struct offload_channel *c, uint64_t now_ms)
{
	struct ol_c2p_key ck;
	struct ol_p2c_key pk;
	struct offload_entry *e;
	bool fresh = false;

	if (keys_for(c, &ck, &pk))
		return TR_EINVAL;
	e = set_find(*setp, &ck);
	if (e && memcmp(&e->pk, &pk, sizeof(pk))) {
		/* The same number for another peer: the old peer's entry goes. */
		bpf_map_delete_elem(o->p2c_fd, &e->pk);
		fresh = true;
	}
	if (!e) {
		e = set_add(o, setp);
		if (!e)
			return o->n_free ? TR_ENOMEM : TR_EQUOTA;
		fresh = true;
	}
	e->ck = ck;
	e->pk = pk;
	e->seen = true;
	fill_fwd(e, c);
	if (fresh || !e->c2p.l2.ifindex || !e->p2c.l2.ifindex ||
	    now_ms - e->resolved_ms >= RESOLVE_AGAIN_MS)
		resolve(o, e, now_ms);
	return entry_write(o, e);
}

void offload_sync_begin(struct offload_set *set)
{
	for (size_t i = 0; set && i < set->n; i++)
		set->v[i].seen = false;
}

/* Removes the entries for which drop(e) is true; frees an empty set. */
static void set_filter(struct offload *o, struct offload_set **setp,
		       struct offload_counts *d,
		       bool (*drop)(const struct offload_entry *, uint64_t),
		       uint64_t now_ms)
{
	struct offload_set *set = *setp;

	if (!set)
		return;
	for (size_t i = 0; i < set->n;) {
		if (drop(&set->v[i], now_ms)) {
			entry_remove(o, &set->v[i], d);
			set->v[i] = set->v[--set->n];
		} else {
			i++;
		}
	}
	if (!set->n) {
		free(set->v);
		free(set);
		*setp = NULL;
	}
}

static bool not_seen(const struct offload_entry *e, uint64_t now_ms)
{
	(void)now_ms;
	return !e->seen;
}

static bool always(const struct offload_entry *e, uint64_t now_ms)
{
	(void)e;
	(void)now_ms;
	return true;
}

static bool expired(const struct offload_entry *e, uint64_t now_ms)
{
	return e->expires_ms <= now_ms;
}

void offload_sync_end(struct offload *o, struct offload_set **set,
		      struct offload_counts *d)
{
	set_filter(o, set, d, not_seen, 0);
}

void offload_remove_all(struct offload *o, struct offload_set **set,
			struct offload_counts *d)
{
	set_filter(o, set, d, always, 0);
}

void offload_collect(struct offload *o, struct offload_set *set, struct offload_counts *d)
{
	for (size_t i = 0; set && i < set->n; i++)
		collect_one(o, &set->v[i], d);
}

void offload_tick(struct offload *o, struct offload_set **setp, uint64_t now_ms,
		  struct offload_counts *d)
{
	struct offload_set *set;

	set_filter(o, setp, d, expired, now_ms);
	set = *setp;
	for (size_t i = 0; set && i < set->n; i++) {
		struct offload_entry *e = &set->v[i];
		bool unresolved = !e->c2p.l2.ifindex || !e->p2c.l2.ifindex;

		if ((unresolved || now_ms - e->resolved_ms >= RESOLVE_AGAIN_MS) &&
		    resolve(o, e, now_ms))
			entry_write(o, e);
	}
}
