/* The allocation table: allocations by 5-tuple, their permissions and
 * channels. Pure data: no sockets, no clock reads (now is passed in), so
 * the lifetimes are unit-tested with a fake clock. */
#include <stdlib.h>
#include <string.h>

#include "turn/turn_internal.h"
#include "util/errors.h"

struct alloc_table {
	struct htable h; /* of allocation.node, by 5-tuple */
};

#define ALLOC_INITIAL_BUCKETS 256

/* The client's address only: the rest of the 5-tuple, our listening
 * address and the transport, takes a handful of values, so no more
 * allocations than that can share a client address (five_tuple_equal
 * tells them apart), and hashing 7 bytes instead of 15 keeps the lookup
 * every client datagram makes as cheap as it was unkeyed. */
static uint64_t five_tuple_hash(const struct alloc_table *t, const struct five_tuple *ft)
{
	uint8_t key[ADDR_KEY_MAX];

	return htable_hash(&t->h, key, addr_key(&ft->client, key));
}

static bool five_tuple_equal(const struct five_tuple *a, const struct five_tuple *b)
{
	return a->transport == b->transport && addr_equal(&a->client, &b->client) &&
	       addr_equal(&a->server, &b->server);
}

struct alloc_table *alloc_table_new(void)
{
	struct alloc_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (htable_init(&t->h, ALLOC_INITIAL_BUCKETS)) {
		free(t);
		return NULL;
	}
	return t;
}

static void allocation_free(struct allocation *a)
{
	free(a->perms);
	free(a->chans);
	free(a->perm_ix.slot);
	free(a->chan_num_ix.slot);
	free(a->chan_peer_ix.slot);
	free(a);
}

static struct allocation *next_allocation(const struct alloc_table *t,
					  struct htable_iter *it)
{
	struct htable_node *n = htable_iter_next(&t->h, it);

	return n ? HTABLE_ENTRY(n, struct allocation, node) : NULL;
}

void alloc_table_free(struct alloc_table *t, void (*on_free)(struct allocation *))
{
	struct htable_iter it = { 0 };
	struct allocation *a;

	if (!t)
		return;
	while ((a = next_allocation(t, &it))) {
		if (on_free)
			on_free(a);
		allocation_free(a);
	}
	htable_fini(&t->h);
	free(t);
}

size_t alloc_table_count(const struct alloc_table *t)
{
	return htable_count(&t->h);
}

size_t alloc_table_count_user(const struct alloc_table *t, const char *user)
{
	struct htable_iter it = { 0 };
	struct allocation *a;
	size_t n = 0;

	while ((a = next_allocation(t, &it)))
		if (!strcmp(a->quota_user, user))
			n++;
	return n;
}

/* Every datagram from a client: hashed once, compared inline. */
struct allocation *alloc_table_find(const struct alloc_table *t,
				    const struct five_tuple *ft)
{
	uint64_t h = five_tuple_hash(t, ft);

	for (struct htable_node *n = htable_first(&t->h, h); n; n = htable_next(n, h)) {
		struct allocation *a = HTABLE_ENTRY(n, struct allocation, node);

		if (five_tuple_equal(&a->ft, ft))
			return a;
	}
	return NULL;
}

struct allocation *alloc_table_insert(struct alloc_table *t, const struct five_tuple *ft)
{
	struct allocation *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->ft = *ft;
	a->relay_fd = -1;
	a->relay2_fd = -1;
	/* The indexes' seed: the table's keyed hash of the allocation's
	 * address, so it differs per allocation and tells nothing. */
	a->ix_seed = (uint32_t)htable_hash(&t->h, &a, sizeof(a));
	htable_insert(&t->h, &a->node, five_tuple_hash(t, ft));
	return a;
}

void alloc_table_remove(struct alloc_table *t, struct allocation *a)
{
	htable_remove(&t->h, &a->node);
	allocation_free(a);
}

void alloc_table_move(struct alloc_table *t, struct allocation *a,
		      const struct five_tuple *ft)
{
	htable_remove(&t->h, &a->node);
	a->ft = *ft;
	htable_insert(&t->h, &a->node, five_tuple_hash(t, ft));
}

void alloc_table_each(struct alloc_table *t, void (*fn)(struct allocation *, void *),
		      void *arg)
{
	struct htable_iter it = { 0 };
	struct allocation *a;

	while ((a = next_allocation(t, &it)))
		fn(a, arg);
}

void alloc_table_sweep(struct alloc_table *t, uint64_t now_ms,
		       void (*fn)(struct allocation *, void *), void *arg)
{
	struct htable_iter it = { 0 };
	struct allocation *a;

	while ((a = next_allocation(t, &it))) {
		if (a->expires_ms <= now_ms)
			fn(a, arg);
		else
			alloc_expire_children(a, now_ms);
	}
}

/* ---- indexes: O(1) lookups on the packet path ----
 * A client chooses the peers, so it could aim for collisions; with at most
 * max-permissions entries and a per-allocation seed, a probe still costs
 * at most that many comparisons. */

static uint32_t ix_mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	return h;
}

/* The IP only: permissions ignore the port (RFC 8656 9). */
static uint32_t hash_ip(const struct allocation *a, const struct tr_addr *peer)
{
	size_t len;
	const uint8_t *p = addr_bytes(peer, &len);
	uint32_t h = 2166136261u ^ a->ix_seed;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return ix_mix(h);
}

static uint32_t hash_number(const struct allocation *a, uint16_t number)
{
	return ix_mix((number ^ a->ix_seed) * 0x9e3779b1u);
}

static uint32_t hash_peer(const struct allocation *a, const struct tr_addr *peer)
{
	return ix_mix(addr_hash(peer, a->ix_seed));
}

static void ix_put(struct alloc_index *ix, uint32_t h, size_t entry)
{
	size_t m = ix->size - 1;

	for (size_t j = h & m;; j = (j + 1) & m) {
		if (!ix->slot[j]) {
			ix->slot[j] = (uint32_t)entry + 1;
			return;
		}
	}
}

static void ix_clear(struct alloc_index *ix)
{
	if (ix->slot)
		memset(ix->slot, 0, ix->size * sizeof(*ix->slot));
}

/* Makes ix at least twice cap slots (a fresh array when it must grow):
 * TR_ENOMEM leaves it untouched. Empties it either way; callers refill. */
static int ix_reset(struct alloc_index *ix, size_t cap)
{
	size_t size = ix->size ? ix->size : 8;

	while (size < 2 * cap)
		size *= 2;
	if (size != ix->size) {
		uint32_t *slot = calloc(size, sizeof(*slot));

		if (!slot)
			return TR_ENOMEM;
		free(ix->slot);
		ix->slot = slot;
		ix->size = size;
		return 0;
	}
	ix_clear(ix);
	return 0;
}

static void perms_reindex(struct allocation *a)
{
	ix_clear(&a->perm_ix);
	for (size_t i = 0; i < a->n_perms; i++)
		ix_put(&a->perm_ix, hash_ip(a, &a->perms[i].peer), i);
}

static void chans_reindex(struct allocation *a)
{
	ix_clear(&a->chan_num_ix);
	ix_clear(&a->chan_peer_ix);
	for (size_t i = 0; i < a->n_chans; i++) {
		ix_put(&a->chan_num_ix, hash_number(a, a->chans[i].number), i);
		ix_put(&a->chan_peer_ix, hash_peer(a, &a->chans[i].peer), i);
	}
}

/* ---- permissions (RFC 8656 9): by peer IP, the port is ignored ---- */

static struct turn_permission *permission_find(const struct allocation *a,
					       const struct tr_addr *peer)
{
	const struct alloc_index *ix = &a->perm_ix;
	size_t m = ix->size - 1;

	if (!ix->size)
		return NULL;
	for (size_t j = hash_ip(a, peer) & m; ix->slot[j]; j = (j + 1) & m) {
		struct turn_permission *p = &a->perms[ix->slot[j] - 1];

		if (addr_equal_ip(&p->peer, peer))
			return p;
	}
	return NULL;
}

/* Room for one more permission: the array doubles, the index follows. */
static int perms_reserve(struct allocation *a)
{
	size_t cap = a->cap_perms ? a->cap_perms * 2 : 4;
	struct turn_permission *np;

	if (a->n_perms < a->cap_perms)
		return 0;
	if (ix_reset(&a->perm_ix, cap))
		return TR_ENOMEM;
	np = realloc(a->perms, cap * sizeof(*np));
	if (np) {
		a->perms = np;
		a->cap_perms = cap;
	}
	perms_reindex(a);
	return np ? 0 : TR_ENOMEM;
}

int alloc_permission_add(struct allocation *a, const struct tr_addr *peer,
			 uint64_t now_ms, uint32_t lifetime_s)
{
	struct turn_permission *p = permission_find(a, peer);

	if (!p) {
		if (perms_reserve(a))
			return TR_ENOMEM;
		p = &a->perms[a->n_perms];
		p->peer = *peer;
		addr_set_port(&p->peer, 0);
		ix_put(&a->perm_ix, hash_ip(a, &p->peer), a->n_perms++);
	}
	p->expires_ms = now_ms + (uint64_t)lifetime_s * 1000u;
	return 0;
}

bool alloc_permission_ok(const struct allocation *a, const struct tr_addr *peer,
			 uint64_t now_ms)
{
	const struct turn_permission *p = permission_find(a, peer);

	return p && p->expires_ms > now_ms;
}

/* ---- channels (RFC 8656 11) ---- */

static struct turn_channel *channel_find_number(const struct allocation *a,
						uint16_t number)
{
	const struct alloc_index *ix = &a->chan_num_ix;
	size_t m = ix->size - 1;

	if (!ix->size)
		return NULL;
	for (size_t j = hash_number(a, number) & m; ix->slot[j]; j = (j + 1) & m)
		if (a->chans[ix->slot[j] - 1].number == number)
			return &a->chans[ix->slot[j] - 1];
	return NULL;
}

static struct turn_channel *channel_find_peer(const struct allocation *a,
					      const struct tr_addr *peer)
{
	const struct alloc_index *ix = &a->chan_peer_ix;
	size_t m = ix->size - 1;

	if (!ix->size)
		return NULL;
	for (size_t j = hash_peer(a, peer) & m; ix->slot[j]; j = (j + 1) & m)
		if (addr_equal(&a->chans[ix->slot[j] - 1].peer, peer))
			return &a->chans[ix->slot[j] - 1];
	return NULL;
}

static int chans_reserve(struct allocation *a)
{
	size_t cap = a->cap_chans ? a->cap_chans * 2 : 4;
	struct turn_channel *nc;

	if (a->n_chans < a->cap_chans)
		return 0;
	if (ix_reset(&a->chan_num_ix, cap) || ix_reset(&a->chan_peer_ix, cap)) {
		chans_reindex(a);
		return TR_ENOMEM;
	}
	nc = realloc(a->chans, cap * sizeof(*nc));
	if (nc) {
		a->chans = nc;
		a->cap_chans = cap;
	}
	chans_reindex(a);
	return nc ? 0 : TR_ENOMEM;
}

int alloc_channel_bind(struct allocation *a, uint16_t number, uint16_t max_number,
		       const struct tr_addr *peer, uint64_t now_ms, uint32_t lifetime_s)
{
	struct turn_channel *by_num, *by_peer;

	if (number < CHANNEL_MIN || number > max_number)
		return TR_EINVAL;
	by_num = channel_find_number(a, number);
	by_peer = channel_find_peer(a, peer);
	if (by_num != by_peer)
		return TR_EINVAL;
	if (!by_num) {
		if (chans_reserve(a))
			return TR_ENOMEM;
		by_num = &a->chans[a->n_chans];
		by_num->number = number;
		by_num->peer = *peer;
		ix_put(&a->chan_num_ix, hash_number(a, number), a->n_chans);
		ix_put(&a->chan_peer_ix, hash_peer(a, peer), a->n_chans++);
	}
	by_num->expires_ms = now_ms + (uint64_t)lifetime_s * 1000u;
	return 0;
}

bool alloc_channel_exists(const struct allocation *a, uint16_t number,
			  const struct tr_addr *peer)
{
	return channel_find_number(a, number) || channel_find_peer(a, peer);
}

const struct turn_channel *alloc_channel_by_number(const struct allocation *a,
						   uint16_t number, uint64_t now_ms)
{
	const struct turn_channel *c = channel_find_number(a, number);

	return c && c->expires_ms > now_ms ? c : NULL;
}

const struct turn_channel *alloc_channel_by_peer(const struct allocation *a,
						 const struct tr_addr *peer,
						 uint64_t now_ms)
{
	const struct turn_channel *c = channel_find_peer(a, peer);

	return c && c->expires_ms > now_ms ? c : NULL;
}

/* Expired permissions and channels are removed by swapping in the last
 * element, then the indexes are rebuilt (at most once a second per
 * allocation, over at most the capped number of entries). */
void alloc_expire_children(struct allocation *a, uint64_t now_ms)
{
	size_t n_perms = a->n_perms, n_chans = a->n_chans;

	for (size_t i = 0; i < a->n_perms;) {
		if (a->perms[i].expires_ms <= now_ms)
			a->perms[i] = a->perms[--a->n_perms];
		else
			i++;
	}
	for (size_t i = 0; i < a->n_chans;) {
		if (a->chans[i].expires_ms <= now_ms)
			a->chans[i] = a->chans[--a->n_chans];
		else
			i++;
	}
	if (a->n_perms != n_perms)
		perms_reindex(a);
	if (a->n_chans != n_chans)
		chans_reindex(a);
}
