/* The hash table of util/htable.h: SipHash, the stepwise growth, the
 * iterator. */
#include "util/htable.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "util/errors.h"

/* Old chains moved per insert while growing: growth starts when count
 * passes n_old, the next one when it passes 2 n_old, so n_old inserts at
 * least lie between; two a step finish in n_old / 2. */
#define HTABLE_MOVE_STEP 2

/* ---- SipHash-1-3 ----
 * SipHash (Aumasson and Bernstein, 2012) with one compression and three
 * finalization rounds: the variant Rust's standard HashMap and CPython use
 * against hash flooding. What it guards is the layout of a table whose key
 * never leaves the process, not a MAC, and the packet path hashes a 5-tuple
 * per datagram: 1-3 costs five rounds on an IPv4 5-tuple where 2-4 costs
 * eight. */

static uint64_t rd64le(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v)); /* one load where unaligned loads are fine */
	return le64toh(v);
}

static uint64_t rd32le(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                         \
	do {                                                                             \
		v0 += v1;                                                                \
		v1 = ROTL64(v1, 13) ^ v0;                                                \
		v0 = ROTL64(v0, 32);                                                     \
		v2 += v3;                                                                \
		v3 = ROTL64(v3, 16) ^ v2;                                                \
		v0 += v3;                                                                \
		v3 = ROTL64(v3, 21) ^ v0;                                                \
		v2 += v1;                                                                \
		v1 = ROTL64(v1, 17) ^ v2;                                                \
		v2 = ROTL64(v2, 32);                                                     \
	} while (0)

uint64_t htable_hash(const struct htable *t, const void *key, size_t len)
{
	const uint8_t *s = key;
	uint64_t v0 = 0x736f6d6570736575ULL ^ t->k0, v1 = 0x646f72616e646f6dULL ^ t->k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ t->k0, v3 = 0x7465646279746573ULL ^ t->k1;
	uint64_t last = (uint64_t)len << 56;
	size_t i, r;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t m = rd64le(s + i);

		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	/* The last 0 to 7 bytes, little-endian: two overlapping 4-byte
	 * loads, or the first, middle and last byte. */
	r = len - i;
	if (r >= 4)
		last |= rd32le(s + i) | (uint64_t)rd32le(s + len - 4) << (8 * (r - 4));
	else if (r)
		last |= s[i] | (uint64_t)s[i + r / 2] << (8 * (r / 2)) |
			(uint64_t)s[len - 1] << (8 * (r - 1));
	v3 ^= last;
	SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- the table ---- */

int htable_init(struct htable *t, size_t min_buckets)
{
	uint8_t key[16];
	size_t n = 1;

	memset(t, 0, sizeof(*t));
	while (n < min_buckets && n <= SIZE_MAX / 2 / sizeof(*t->b))
		n *= 2;
	if (RAND_bytes(key, sizeof(key)) != 1)
		return TR_EIO;
	t->k0 = rd64le(key);
	t->k1 = rd64le(key + 8);
	OPENSSL_cleanse(key, sizeof(key));
	t->b = calloc(n, sizeof(*t->b));
	if (!t->b) {
		htable_fini(t);
		return TR_ENOMEM;
	}
	t->n_b = n;
	return 0;
}

void htable_fini(struct htable *t)
{
	free(t->b);
	free(t->old);
	OPENSSL_cleanse(t, sizeof(*t));
}

static void push(struct htable_node **chain, struct htable_node *n)
{
	n->next = *chain;
	*chain = n;
}

/* Moves up to HTABLE_MOVE_STEP old chains over; frees the old array once
 * the last one has gone. */
static void move_step(struct htable *t)
{
	for (int k = 0; k < HTABLE_MOVE_STEP && t->moved < t->n_old; k++, t->moved++) {
		struct htable_node *n = t->old[t->moved];

		while (n) {
			struct htable_node *next = n->next;

			push(&t->b[(size_t)n->hash & (t->n_b - 1)], n);
			n = next;
		}
	}
	if (t->moved == t->n_old) {
		free(t->old);
		t->old = NULL;
		t->n_old = t->moved = 0;
	}
}

/* Starts a doubling: the current array becomes the old one. */
static void grow(struct htable *t)
{
	struct htable_node **nb;

	while (t->old) /* cannot happen with the step above; kept exact anyway */
		move_step(t);
	if (t->n_b > SIZE_MAX / 2 / sizeof(*nb))
		return;
	nb = calloc(t->n_b * 2, sizeof(*nb));
	if (!nb)
		return; /* longer chains, still correct */
	t->old = t->b;
	t->n_old = t->n_b;
	t->moved = 0;
	t->b = nb;
	t->n_b *= 2;
}

/* The chain that holds (or is to hold) hash h. */
static struct htable_node **chain_of(struct htable *t, uint64_t h)
{
	if (t->old) {
		size_t i = (size_t)h & (t->n_old - 1);

		if (i >= t->moved)
			return &t->old[i];
	}
	return &t->b[(size_t)h & (t->n_b - 1)];
}

void htable_insert(struct htable *t, struct htable_node *n, uint64_t h)
{
	if (t->old)
		move_step(t);
	n->hash = h;
	push(chain_of(t, h), n);
	if (++t->count > t->n_b && !t->old)
		grow(t);
}

void htable_remove(struct htable *t, struct htable_node *n)
{
	struct htable_node **pp = chain_of(t, n->hash);

	while (*pp && *pp != n)
		pp = &(*pp)->next;
	if (!*pp)
		return; /* not in t: a caller's bug, but nothing to corrupt */
	*pp = n->next;
	n->next = NULL;
	t->count--;
}

struct htable_node *htable_iter_next(const struct htable *t, struct htable_iter *it)
{
	struct htable_node *n;

	if (!it->started) {
		it->started = true;
		it->in_old = t->old != NULL;
		it->i = it->in_old ? t->moved : 0;
		it->next = NULL;
	}
	while (!it->next) {
		struct htable_node **arr = it->in_old ? t->old : t->b;
		size_t end = it->in_old ? t->n_old : t->n_b;

		if (it->i >= end) {
			if (!it->in_old)
				return NULL;
			it->in_old = false;
			it->i = 0;
			continue;
		}
		it->next = arr[it->i++];
	}
	n = it->next;
	it->next = n->next;
	return n;
}

struct htable_node *htable_drain_next(const struct htable *t, size_t *cursor)
{
	size_t n_old = t->old ? t->n_old - t->moved : 0;

	for (; *cursor < n_old + t->n_b; ++*cursor) {
		struct htable_node *n = *cursor < n_old ? t->old[t->moved + *cursor]
							: t->b[*cursor - n_old];

		if (n)
			return n;
	}
	return NULL;
}
