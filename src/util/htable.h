/* The one hash table: intrusive, chained, keyed, growing in steps.
 *
 * Intrusive: an entry embeds a struct htable_node and the table links the
 * nodes, so it allocates nothing per entry and never owns an entry (the
 * caller allocates and frees them; the table owns only its bucket arrays
 * and key). Chained rather than open addressing because entries stay where
 * they are: callers keep pointers to them (an allocation, a room, a
 * session) for their whole life, and removal is a plain unlink with no
 * tombstones to sweep.
 *
 * Keyed: every table draws a 128-bit SipHash key from the CSPRNG, so keys
 * a client chooses (room ids, sids, addresses, ports) cannot be aimed at
 * one chain without knowing it. The full 64-bit hash is kept in the node:
 * chains compare keys only on a full-hash match, and growing never hashes
 * a key again.
 *
 * Growing: when entries outnumber buckets the array doubles, and the old
 * chains move over a few buckets per insert (two old buckets each, so the
 * move is done long before the next doubling) instead of all at once: a
 * relay of 10^5 allocations never stalls its loop for a whole rehash. A
 * lookup then reads the one bucket where its hash lives, old or new. When
 * the larger array cannot be allocated the table just stays denser.
 *
 * The struct is in this header, and the lookup is inline, only so the
 * packet path can walk a chain with its own inline compare and no call
 * per entry; its fields are read and written only here and in htable.c. */
#ifndef TR_UTIL_HTABLE_H
#define TR_UTIL_HTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct htable_node {
	struct htable_node *next;
	uint64_t hash;
};

struct htable {
	struct htable_node **b; /* n_b chains, n_b a power of two */
	/* While growing: the previous array, whose chains [0, moved) have
	 * gone over to b already; NULL otherwise. */
	struct htable_node **old;
	size_t n_b, n_old, moved;
	size_t count;
	uint64_t k0, k1; /* the SipHash key */
};

/* The struct containing node p as its member m. */
#define HTABLE_ENTRY(p, type, m) ((type *)(void *)((char *)(p)-offsetof(type, m)))

/* An empty table of at least min_buckets chains (rounded up to a power of
 * two) with a fresh random key. 0, TR_ENOMEM, or TR_EIO when the CSPRNG
 * fails. On failure t holds nothing and htable_fini(t) is still safe. */
int htable_init(struct htable *t, size_t min_buckets);
/* Frees the bucket arrays and wipes the key; the entries are the
 * caller's (free them first, e.g. with htable_iter_next). Safe on a
 * zeroed or failed table, and twice. */
void htable_fini(struct htable *t);

/* The keyed hash of len bytes (SipHash-1-3: see htable.c). */
uint64_t htable_hash(const struct htable *t, const void *key, size_t len);

/* Links n, whose key hashes to h (from htable_hash on this table). Never
 * fails. The caller checks for duplicates first if it must have none. */
void htable_insert(struct htable *t, struct htable_node *n, uint64_t h);
/* Unlinks n, which is in t. */
void htable_remove(struct htable *t, struct htable_node *n);

static inline size_t htable_count(const struct htable *t)
{
	return t->count;
}

static inline struct htable_node *htable_match_(struct htable_node *n, uint64_t h)
{
	while (n && n->hash != h)
		n = n->next;
	return n;
}

/* The first node whose hash is h, or NULL; htable_next gives the following
 * ones. The caller compares its keys, as in
 *   for (n = htable_first(t, h); n; n = htable_next(n, h))
 *       if (key_equal(HTABLE_ENTRY(n, struct x, node), key)) return ...; */
static inline struct htable_node *htable_first(const struct htable *t, uint64_t h)
{
	if (t->old) {
		size_t i = (size_t)h & (t->n_old - 1);

		if (i >= t->moved)
			return htable_match_(t->old[i], h);
	}
	return htable_match_(t->b[(size_t)h & (t->n_b - 1)], h);
}

static inline struct htable_node *htable_next(const struct htable_node *n, uint64_t h)
{
	return htable_match_(n->next, h);
}

/* Every node once, in no particular order: zero an iterator, then call
 * htable_iter_next until it returns NULL. The node returned may be removed
 * (and freed) before the next call; nothing may be inserted meanwhile. */
struct htable_iter {
	size_t i;    /* the next chain to start */
	bool in_old; /* i indexes t->old */
	bool started;
	struct htable_node *next; /* the rest of the current chain */
};

struct htable_node *htable_iter_next(const struct htable *t, struct htable_iter *it);

/* For emptying a table whose entries' teardown may take out other entries
 * too: a node still in t, or NULL when t is empty. The caller removes the
 * node it gets before asking again (or it gets it again); *cursor starts
 * at 0. O(buckets + entries) over the whole drain. */
struct htable_node *htable_drain_next(const struct htable *t, size_t *cursor);

#endif
