/* The allocation table: allocations by 5-tuple, their permissions and
 * channels. Pure data: no sockets, no clock reads (now is passed in), so
 * the lifetimes are unit-tested with a fake clock. */
#include <stdlib.h>
#include <string.h>

#include "turn/turn_internal.h"
#include "util/errors.h"

struct alloc_table {
	struct allocation **buckets;
	size_t n_buckets;
	size_t count;
	uint32_t seed;
};

#define ALLOC_INITIAL_BUCKETS 256

static uint32_t five_tuple_hash(const struct five_tuple *ft, uint32_t seed)
{
	return addr_hash(&ft->client, seed ^ (uint32_t)ft->transport) ^
	       (addr_hash(&ft->server, seed) * 31u);
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
	t->n_buckets = ALLOC_INITIAL_BUCKETS;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->seed = (uint32_t)(uintptr_t)t ^ 0x9e3779b9u;
	return t;
}

static void allocation_free(struct allocation *a)
{
	free(a->perms);
	free(a->chans);
	free(a);
}

void alloc_table_free(struct alloc_table *t, void (*on_free)(struct allocation *))
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct allocation *a = t->buckets[i];

		while (a) {
			struct allocation *next = a->hash_next;

			if (on_free)
				on_free(a);
			allocation_free(a);
			a = next;
		}
	}
	free(t->buckets);
	free(t);
}

size_t alloc_table_count(const struct alloc_table *t)
{
	return t->count;
}

size_t alloc_table_count_user(const struct alloc_table *t, const char *username)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_buckets; i++)
		for (struct allocation *a = t->buckets[i]; a; a = a->hash_next)
			if (!strcmp(a->username, username))
				n++;
	return n;
}

struct allocation *alloc_table_find(const struct alloc_table *t,
				    const struct five_tuple *ft)
{
	size_t b = five_tuple_hash(ft, t->seed) & (t->n_buckets - 1);

	for (struct allocation *a = t->buckets[b]; a; a = a->hash_next)
		if (five_tuple_equal(&a->ft, ft))
			return a;
	return NULL;
}

/* Doubles the bucket array when the load factor passes 1; on allocation
 * failure the table simply stays denser. */
static void alloc_table_grow(struct alloc_table *t)
{
	size_t n = t->n_buckets * 2;
	struct allocation **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return;
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct allocation *a = t->buckets[i];

		while (a) {
			struct allocation *next = a->hash_next;
			size_t b = five_tuple_hash(&a->ft, t->seed) & (n - 1);

			a->hash_next = nb[b];
			nb[b] = a;
			a = next;
		}
	}
	free(t->buckets);
	t->buckets = nb;
	t->n_buckets = n;
}

struct allocation *alloc_table_insert(struct alloc_table *t, const struct five_tuple *ft)
{
	struct allocation *a = calloc(1, sizeof(*a));
	size_t b;

	if (!a)
		return NULL;
	a->ft = *ft;
	a->relay_fd = -1;
	if (t->count >= t->n_buckets)
		alloc_table_grow(t);
	b = five_tuple_hash(ft, t->seed) & (t->n_buckets - 1);
	a->hash_next = t->buckets[b];
	t->buckets[b] = a;
	t->count++;
	return a;
}

void alloc_table_remove(struct alloc_table *t, struct allocation *a)
{
	size_t b = five_tuple_hash(&a->ft, t->seed) & (t->n_buckets - 1);

	for (struct allocation **pp = &t->buckets[b]; *pp; pp = &(*pp)->hash_next) {
		if (*pp == a) {
			*pp = a->hash_next;
			t->count--;
			allocation_free(a);
			return;
		}
	}
}

void alloc_table_each(struct alloc_table *t, void (*fn)(struct allocation *, void *),
		      void *arg)
{
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct allocation *a = t->buckets[i];

		while (a) {
			struct allocation *next = a->hash_next;

			fn(a, arg);
			a = next;
		}
	}
}

void alloc_table_sweep(struct alloc_table *t, uint64_t now_ms,
		       void (*fn)(struct allocation *, void *), void *arg)
{
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct allocation *a = t->buckets[i];

		while (a) {
			struct allocation *next = a->hash_next;

			if (a->expires_ms <= now_ms)
				fn(a, arg);
			else
				alloc_expire_children(a, now_ms);
			a = next;
		}
	}
}

/* ---- permissions (RFC 8656 9): by peer IP, the port is ignored ---- */

static struct turn_permission *permission_find(const struct allocation *a,
					       const struct tr_addr *peer)
{
	for (size_t i = 0; i < a->n_perms; i++)
		if (addr_equal_ip(&a->perms[i].peer, peer))
			return &a->perms[i];
	return NULL;
}

int alloc_permission_add(struct allocation *a, const struct tr_addr *peer,
			 uint64_t now_ms, uint32_t lifetime_s)
{
	struct turn_permission *p = permission_find(a, peer);

	if (!p) {
		if (a->n_perms == a->cap_perms) {
			size_t cap = a->cap_perms ? a->cap_perms * 2 : 4;
			struct turn_permission *np =
				realloc(a->perms, cap * sizeof(*np));

			if (!np)
				return TR_ENOMEM;
			a->perms = np;
			a->cap_perms = cap;
		}
		p = &a->perms[a->n_perms++];
		p->peer = *peer;
		addr_set_port(&p->peer, 0);
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
	for (size_t i = 0; i < a->n_chans; i++)
		if (a->chans[i].number == number)
			return &a->chans[i];
	return NULL;
}

static struct turn_channel *channel_find_peer(const struct allocation *a,
					      const struct tr_addr *peer)
{
	for (size_t i = 0; i < a->n_chans; i++)
		if (addr_equal(&a->chans[i].peer, peer))
			return &a->chans[i];
	return NULL;
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
		if (a->n_chans == a->cap_chans) {
			size_t cap = a->cap_chans ? a->cap_chans * 2 : 4;
			struct turn_channel *nc = realloc(a->chans, cap * sizeof(*nc));

			if (!nc)
				return TR_ENOMEM;
			a->chans = nc;
			a->cap_chans = cap;
		}
		by_num = &a->chans[a->n_chans++];
		by_num->number = number;
		by_num->peer = *peer;
	}
	by_num->expires_ms = now_ms + (uint64_t)lifetime_s * 1000u;
	return 0;
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
 * element: order carries no meaning. */
void alloc_expire_children(struct allocation *a, uint64_t now_ms)
{
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
}
